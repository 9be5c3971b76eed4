/*
 * Behind a load balancer every connection comes from the balancer, so the
 * per-address rate limits, the request log and a tablet's last address would
 * all see one client. With trusted-proxy set to the balancer's address, a
 * request arriving from exactly that address is taken to come from the
 * address the balancer wrote last into X-Forwarded-For. Only the last one is
 * believed: anything before it was sent by the client and may be forged.
 */
#include "srv_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* An address as client_address writes it (IPv4 dotted, IPv6 compressed, a
 * mapped IPv4 as IPv4), or -1 when text is no numeric address. */
static int canonical(const char *text, char *out, size_t cap)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, text, &a4) == 1)
        return inet_ntop(AF_INET, &a4, out, (socklen_t)cap) ? 0 : -1;
    if (inet_pton(AF_INET6, text, &a6) != 1)
        return -1;
    if (IN6_IS_ADDR_V4MAPPED(&a6))
        return inet_ntop(AF_INET, a6.s6_addr + 12, out, (socklen_t)cap) ? 0 : -1;
    return inet_ntop(AF_INET6, &a6, out, (socklen_t)cap) ? 0 : -1;
}

int srv_proxy_check(char *trusted, size_t cap, char *err, size_t errlen)
{
    char c[INET6_ADDRSTRLEN];
    if (!trusted[0])
        return 0;
    if (canonical(trusted, c, sizeof c) != 0 || strlen(c) >= cap) {
        snprintf(err, errlen,
                 "trusted-proxy must be the load balancer's numeric IPv4 or IPv6 address, not "
                 "\"%.60s\".",
                 trusted);
        return -1;
    }
    memcpy(trusted, c, strlen(c) + 1);
    return 0;
}

void srv_proxy_client(const char *trusted, const char *xff, char *addr, size_t cap)
{
    if (!trusted || !trusted[0] || !xff || strcmp(addr, trusted) != 0)
        return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ' || *last == '\t')
        last++;
    char word[INET6_ADDRSTRLEN + 1], c[INET6_ADDRSTRLEN];
    size_t n = strcspn(last, " \t");
    if (n == 0 || n >= sizeof word)
        return;
    memcpy(word, last, n);
    word[n] = 0;
    if (canonical(word, c, sizeof c) == 0 && strlen(c) < cap)
        memcpy(addr, c, strlen(c) + 1);
}
