/* LD_PRELOAD shim: getaddrinfo() of the host named by MWC_SLOW_HOST sleeps MWC_SLOW_SECONDS, then
   answers 127.0.0.1, like a slow DNS resolver would; every other name goes to the real resolver. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res) {
    getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    const char *slow = getenv("MWC_SLOW_HOST");
    if (node != NULL && slow != NULL && strcmp(node, slow) == 0) {
        const char *seconds = getenv("MWC_SLOW_SECONDS");
        sleep(seconds != NULL ? (unsigned)atoi(seconds) : 6);
        return real("127.0.0.1", service, hints, res);
    }
    return real(node, service, hints, res);
}
