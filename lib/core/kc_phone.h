#ifndef KC_PHONE_H
#define KC_PHONE_H

/* 1 if s is an E.164 number: '+', a non-zero digit, 7 to 15 digits in all. */
int kc_e164_valid(const char *s);

#endif
