/* See lcsupport.h. */
#include "lcsupport.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#ifndef BLIK_SERVER_EXE
#error "BLIK_SERVER_EXE must name the blik-server program"
#endif

void lc_make_cert(fx_world *w, const char *name, const char *alt_names, int days, char *dir,
                  size_t cap)
{
    snprintf(dir, cap, "%s/%s", w->dir, name);
    assert_int_equal(mkdir(dir, 0755), 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && cp ../ca.pem ../ca.key . && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout server.key -out server.csr -subj '/CN=Blik test server' >openssl.log 2>&1 && "
             "printf 'subjectAltName=%s\\nextendedKeyUsage=serverAuth\\n"
             "basicConstraints=CA:FALSE\\n' >server.ext && "
             "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-out server.pem -days %d -extfile server.ext >>openssl.log 2>&1 && "
             "chmod 644 server.key",
             dir, alt_names, days);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("openssl failed (%d): %s", rc, cmd);
}

void lc_server_with(fx_world *w, const char *dir, tsrv *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(tsrv_start(out, w->pg, BLIK_SERVER_EXE, w->conninfo, dir, NULL), 0);
}
