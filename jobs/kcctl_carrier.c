/* kcctl seal-carrier-token: the carrier's auth token, sealed under
 * master_key, as the configuration line that holds it. The token comes
 * on standard input, never on the command line (where ps and shell
 * history would keep it), and is not printed. */
#include "kcctl.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
text(const json_t *v)
{
	printf("%s = %s\n", json_string_value(json_object_get(v, "setting")),
	       json_string_value(json_object_get(v, "value")));
}

int
kcctl_seal_carrier_token(struct kcctl *k, int argc, char **argv)
{
	/* 128 characters, a line end ("\r\n"), and one more to tell a
	 * longer token. */
	char buf[128 + 2 + 1 + 1], err[256], *sealed = NULL;
	size_t n;
	int rc;

	(void)argv;
	if (argc != 1)
		return kcctl_usage(k, "usage: kcctl seal-carrier-token < "
				      "FILE (the token on standard input)");
	if (!k->cfg.has_master_key)
		return kcctl_fail(k, "master_key is not configured");
	if (isatty(STDIN_FILENO))
		fputs("auth token (then Enter and Ctrl-D): ", stderr);
	n = fread(buf, 1, sizeof(buf) - 1, stdin);
	/* One line, as echo or a file gives it. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n > 128 || ferror(stdin) ||
	    (n > 0 && !feof(stdin) && getc(stdin) != EOF)) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return kcctl_fail(k, "could not read the token (at most 128 "
				     "characters on standard input)");
	}
	buf[n] = '\0';
	rc = kc_carrier_token_seal(k->cfg.master_key, buf, &sealed, err,
				   sizeof(err));
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc != 0)
		return kcctl_fail(k, "%s", err);
	rc = kcctl_emit(k,
			json_pack("{s:s, s:s}", "setting",
				  "carrier_auth_token_sealed", "value", sealed),
			text);
	free(sealed);
	return rc;
}
