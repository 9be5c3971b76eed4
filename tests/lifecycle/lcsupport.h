#ifndef BLIK_LCSUPPORT_H
#define BLIK_LCSUPPORT_H
/* Helpers for the tablet lifecycle tests: server certificates made by
 * openssl from the world's test CA. Helpers assert on failure (cmocka). */
#include "synctest.h"

/*
 * Makes a folder under the world's folder (name) with the world's CA and a
 * server certificate it signed for alt_names (an openssl subjectAltName
 * value, e.g. "IP:127.0.0.1") valid for days days (0: it expires the moment
 * it is made); the folder's path into dir, for tsrv_start.
 */
void lc_make_cert(fx_world *w, const char *name, const char *alt_names, int days, char *dir,
                  size_t cap);

/* Starts a second server on the world's database with the certificate in
 * dir; stop it with tsrv_stop. */
void lc_server_with(fx_world *w, const char *dir, tsrv *out);

#endif
