#ifndef BLIK_MODEL_INT_H
#define BLIK_MODEL_INT_H
/* Shared by the files of the model module only. */
#include <stddef.h>

#include "model_json.h"

/* Writes a message into err (if err is not NULL) and returns -1. */
int model_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A plan's and a plan_agreement's JSON (new references; NULL with err set
 * if the record breaks its rules or memory ran out), and their strict
 * readers (w names the record in messages), in model_plan.c. */
json_t *model_plan_json(const model_plan *p, model_err *err);
json_t *model_plan_agreement_json(const model_plan_agreement *a, model_err *err);
int model_plan_read(json_t *j, model_plan *p, const char *w, model_err *err);
int model_plan_agreement_read(json_t *j, model_plan_agreement *a, const char *w, model_err *err);

/* model_record_texts through jansson, for every kind (model_record.c). */
int model_record_texts_dumped(const model_record *r, char **compact, char **sorted, model_err *err);

#endif
