#ifndef BLIK_MODEL_INT_H
#define BLIK_MODEL_INT_H
/* Shared by the files of the model module only. */
#include <stddef.h>

/* Writes a message into err (if err is not NULL) and returns -1. */
int model_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
