#ifndef BLIK_OFFICE_H
#define BLIK_OFFICE_H
/*
 * Blik Office: the web pages where leaders set up units, people, learning
 * focuses, templates and tablets, served by blik-server on its HTTPS port
 * beside the tablets' protocol. Pages are plain HTML made on the server;
 * every form works with JavaScript switched off.
 *
 * The office plugs into the server through srv_web (srv.h): the server
 * reads requests and owns the database pool, the office answers them.
 */
#include <stddef.h>

#include "srv.h"

/*
 * Makes the office: reads the catalogues (po/da.po, po/en.po) and the
 * static files (office/) from the data folder dir, and keeps cfg's session
 * limits. Returns the web side to put in srv_config.web, which the caller
 * owns (off_free), or NULL with a sentence in err.
 */
srv_web *off_new(const char *dir, const srv_config *cfg, char *err, size_t errlen);
/* Releases the office; off_free(NULL) is a no-op. Only once the server has
 * stopped. */
void off_free(srv_web *w);

#endif
