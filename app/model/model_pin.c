/* PIN verifiers: argon2id through libsodium, so that a PIN can be checked
 * offline on the tablet without the PIN itself ever being stored. */
#include "model.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int model_pin_check(const char *pin, char *err, size_t errlen)
{
    size_t n = pin ? strlen(pin) : 0;
    int ok = n >= MODEL_PIN_MIN && n <= MODEL_PIN_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = pin[i] >= '0' && pin[i] <= '9';
    if (!ok) {
        if (err && errlen)
            snprintf(err, errlen, "A PIN is %d to %d digits.", MODEL_PIN_MIN, MODEL_PIN_MAX);
        return -1;
    }
    return 0;
}

/* sodium_init() is safe to call more than once and from several threads; it
 * returns 1 when already done. */
static int sodium_ready(void) { return sodium_init() >= 0; }

int model_pin_hash(const char *pin, char out[MODEL_VERIFIER_MAX])
{
    _Static_assert(crypto_pwhash_STRBYTES <= MODEL_VERIFIER_MAX, "verifier field too small");
    out[0] = '\0';
    if (model_pin_check(pin, NULL, 0) != 0 || !sodium_ready())
        return -1;
    if (crypto_pwhash_str_alg(out, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int model_pin_verify(const char *verifier, const char *pin)
{
    if (!verifier || !pin || strncmp(verifier, "$argon2id$", 10) != 0 ||
        strnlen(verifier, MODEL_VERIFIER_MAX) >= MODEL_VERIFIER_MAX || !sodium_ready())
        return 0;
    return crypto_pwhash_str_verify(verifier, pin, strlen(pin)) == 0;
}
