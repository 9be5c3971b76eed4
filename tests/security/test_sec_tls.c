/*
 * The server speaks TLS 1.2 and 1.3 only. A real client (openssl s_client)
 * is told to offer exactly one version; for TLS 1.0 and 1.1 the client is
 * also allowed the old algorithms those versions need, so that a refusal
 * can only come from the server (the client sends its hello and the server
 * closes the connection without answering), never from the client
 * declining to try.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "fixture.h"
#include "tsupport.h"

static fx_world W;

static int up(void **state)
{
    (void)state;
    return fx_up(&W, "blik_tls", NULL);
}

static int down(void **state)
{
    (void)state;
    return fx_down(&W);
}

/* Runs openssl s_client offering one protocol version; its whole output
 * (both streams) into out, malloc'd. Returns the exit status. */
static int s_client(const char *version, int legacy, char **out)
{
    char connect[64], log[700];
    snprintf(connect, sizeof connect, "127.0.0.1:%d", W.srv.port);
    snprintf(log, sizeof log, "%s/s_client-%s.txt", W.dir, version + 1);
    const char *argv[20] = {
        "openssl", "s_client", "-connect", connect, "-CAfile", W.srv.ca, "-verify_return_error",
        version};
    int n = 8;
    if (legacy) {
        argv[n++] = "-cipher";
        argv[n++] = "DEFAULT:@SECLEVEL=0";
    }
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_RDONLY);
        if (fd < 0 || nul < 0)
            _exit(126);
        dup2(nul, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    *out = calloc(1, 65536);
    assert_non_null(*out);
    size_t k = fread(*out, 1, 65535, f);
    (*out)[k] = 0;
    fclose(f);
    /* Shown so that a person reading the test log sees the handshake. */
    char *line = strtok(*out ? strdup(*out) : NULL, "\n");
    char *copy = line;
    for (; line; line = strtok(NULL, "\n"))
        if (strstr(line, "alert") || strstr(line, "SSL handshake has read") ||
            strstr(line, "unexpected eof") || strstr(line, "peer certificate") ||
            strstr(line, "Protocol") || strstr(line, "New, ") ||
            strstr(line, "Verify return code") || strstr(line, "no protocols"))
            fprintf(stderr, "    s_client %s: %s\n", version, line);
    free(copy);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void refused(const char *version)
{
    char *out;
    int rc = s_client(version, 1, &out);
    assert_int_not_equal(rc, 0);
    /* The client did offer the old version (it sent a hello and did not
     * give up with "no protocols available"), and the server ended the
     * handshake without a byte in return: no certificate, no cipher. */
    TSUPPORT_LACKS(out, "no protocols available");
    const char *h = strstr(out, "SSL handshake has read ");
    assert_non_null(h);
    long got = -1, sent = -1;
    assert_int_equal(
        sscanf(h, "SSL handshake has read %ld bytes and written %ld bytes", &got, &sent), 2);
    assert_int_equal(got, 0);
    assert_true(sent > 0);
    TSUPPORT_HAS(out, "no peer certificate available");
    TSUPPORT_HAS(out, "Cipher is (NONE)");
    free(out);
}

static void accepted(const char *version, const char *name)
{
    char *out;
    int rc = s_client(version, 0, &out);
    assert_int_equal(rc, 0);
    char want[64];
    snprintf(want, sizeof want, "New, %s, Cipher is ", name);
    TSUPPORT_HAS(out, want);
    TSUPPORT_HAS(out, "Verify return code: 0 (ok)");
    free(out);
}

static void test_tls_1_0_is_refused(void **state)
{
    (void)state;
    refused("-tls1");
}

static void test_tls_1_1_is_refused(void **state)
{
    (void)state;
    refused("-tls1_1");
}

static void test_tls_1_2_is_accepted(void **state)
{
    (void)state;
    accepted("-tls1_2", "TLSv1.2");
}

static void test_tls_1_3_is_accepted(void **state)
{
    (void)state;
    accepted("-tls1_3", "TLSv1.3");
}

static void test_server_still_serves(void **state)
{
    (void)state;
    /* The refused handshakes did not harm the server. */
    fx_ping_ok(&W);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_1_0_is_refused),  cmocka_unit_test(test_tls_1_1_is_refused),
        cmocka_unit_test(test_tls_1_2_is_accepted), cmocka_unit_test(test_tls_1_3_is_accepted),
        cmocka_unit_test(test_server_still_serves),
    };
    return cmocka_run_group_tests_name("sec_tls", tests, up, down);
}
