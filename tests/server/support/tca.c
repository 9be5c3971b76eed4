/*
 * A throwaway certificate authority per test run, made with the openssl
 * command, so that the tests exercise real TLS with verification on: the
 * client trusts only this CA, and the server's certificate names 127.0.0.1,
 * ::1 and localhost.
 */
#include "srvtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sh(const char *cmd, char *err, size_t errlen)
{
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(err, errlen, "openssl failed (status %d): %.300s", rc, cmd);
        return -1;
    }
    return 0;
}

int tca_make(const char *dir, char *err, size_t errlen)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout ca.key -out ca.pem -days 2 -subj '/CN=Blik Test CA' "
             "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign "
             ">openssl.log 2>&1 && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout server.key -out server.csr -subj '/CN=127.0.0.1' >>openssl.log 2>&1 && "
             "printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\\n"
             "extendedKeyUsage=serverAuth\\nbasicConstraints=CA:FALSE\\n' >server.ext && "
             "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-out server.pem -days 2 -extfile server.ext >>openssl.log 2>&1 && "
             "chmod 644 server.key",
             dir);
    return sh(cmd, err, errlen);
}
