/*
 * Unit tests for lib/kc_buf: the size cap (for every way of appending),
 * NUL termination, take/reset/free ownership, and growth.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kc_buf.h"

Test(buf, init_is_empty)
{
	struct kc_buf b;

	kc_buf_init(&b, 100);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	cr_assert_eq(b.max, 100);
	kc_buf_free(&b);
}

Test(buf, append_and_nul_terminate)
{
	struct kc_buf b;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_append(&b, "abc", 3), 0);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(b.data[3], '\0');
	cr_assert_str_eq(b.data, "abc");
	cr_assert_eq(kc_buf_puts(&b, "de"), 0);
	cr_assert_eq(kc_buf_putc(&b, 'f'), 0);
	cr_assert_eq(kc_buf_printf(&b, "-%d-%s", 42, "x"), 0);
	cr_assert_str_eq(b.data, "abcdef-42-x");
	cr_assert_eq(b.len, strlen("abcdef-42-x"));
	kc_buf_free(&b);
}

Test(buf, binary_bytes_are_kept)
{
	struct kc_buf b;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_append(&b, "a\0b", 3), 0);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(memcmp(b.data, "a\0b", 4), 0);
	kc_buf_free(&b);
}

Test(buf, empty_appends_still_terminate)
{
	struct kc_buf b;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_append(&b, "", 0), 0);
	cr_assert_not_null(b.data);
	cr_assert_str_eq(b.data, "");
	cr_assert_eq(b.len, 0);
	kc_buf_free(&b);

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_puts(&b, ""), 0);
	cr_assert_not_null(b.data);
	cr_assert_str_eq(b.data, "");
	kc_buf_free(&b);

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_printf(&b, "%s", ""), 0);
	cr_assert_not_null(b.data);
	cr_assert_str_eq(b.data, "");
	kc_buf_free(&b);
}

Test(buf, cap_is_exact)
{
	struct kc_buf b;

	kc_buf_init(&b, 5);
	cr_assert_eq(kc_buf_append(&b, "12345", 5), 0);
	cr_assert_eq(b.len, 5);
	cr_assert_str_eq(b.data, "12345");
	/* Full: one more byte is refused and nothing changes. */
	cr_assert_eq(kc_buf_putc(&b, '6'), -1);
	cr_assert_eq(kc_buf_puts(&b, "6"), -1);
	cr_assert_eq(kc_buf_append(&b, "6", 1), -1);
	cr_assert_eq(b.len, 5);
	cr_assert_str_eq(b.data, "12345");
	/* A zero-length append still fits. */
	cr_assert_eq(kc_buf_append(&b, "", 0), 0);
	cr_assert_leq(b.cap, 6);
	kc_buf_free(&b);
}

Test(buf, oversized_append_fails_whole)
{
	struct kc_buf b;

	kc_buf_init(&b, 8);
	cr_assert_eq(kc_buf_puts(&b, "abc"), 0);
	/* 6 more bytes would make 9 > 8: refused, not truncated. */
	cr_assert_eq(kc_buf_puts(&b, "defghi"), -1);
	cr_assert_str_eq(b.data, "abc");
	cr_assert_eq(b.len, 3);
	cr_assert_eq(kc_buf_puts(&b, "defgh"), 0);
	cr_assert_str_eq(b.data, "abcdefgh");
	kc_buf_free(&b);
}

Test(buf, huge_length_does_not_wrap)
{
	struct kc_buf b;

	kc_buf_init(&b, 16);
	cr_assert_eq(kc_buf_puts(&b, "x"), 0);
	cr_assert_eq(kc_buf_append(&b, "y", (size_t)-1), -1);
	cr_assert_eq(kc_buf_append(&b, "y", (size_t)-1 - 1), -1);
	cr_assert_eq(b.len, 1);
	cr_assert_str_eq(b.data, "x");
	kc_buf_free(&b);
}

Test(buf, printf_past_cap)
{
	struct kc_buf b;

	kc_buf_init(&b, 10);
	cr_assert_eq(kc_buf_printf(&b, "%s", "0123456"), 0);
	/* Would make 11 bytes. */
	cr_assert_eq(kc_buf_printf(&b, "%d", 1234), -1);
	cr_assert_eq(b.len, 7);
	cr_assert_str_eq(b.data, "0123456");
	/* Exactly to the cap works. */
	cr_assert_eq(kc_buf_printf(&b, "%d", 789), 0);
	cr_assert_eq(b.len, 10);
	cr_assert_str_eq(b.data, "0123456789");
	cr_assert_eq(kc_buf_printf(&b, "%s", "z"), -1);
	cr_assert_str_eq(b.data, "0123456789");
	kc_buf_free(&b);
}

Test(buf, printf_larger_than_cap_on_empty_buffer)
{
	struct kc_buf b;

	kc_buf_init(&b, 4);
	cr_assert_eq(kc_buf_printf(&b, "%s", "hello"), -1);
	cr_assert_eq(b.len, 0);
	kc_buf_free(&b);
}

Test(buf, zero_cap_takes_nothing)
{
	struct kc_buf b;

	kc_buf_init(&b, 0);
	cr_assert_eq(kc_buf_putc(&b, 'a'), -1);
	cr_assert_eq(kc_buf_printf(&b, "x"), -1);
	cr_assert_eq(kc_buf_append(&b, "", 0), 0);
	cr_assert_str_eq(b.data, "");
	kc_buf_free(&b);
}

Test(buf, growth_across_many_appends)
{
	struct kc_buf b;
	size_t i;

	kc_buf_init(&b, 1 << 20);
	for (i = 0; i < 100000; i++)
		cr_assert_eq(kc_buf_putc(&b, (char)('a' + i % 26)), 0);
	cr_assert_eq(b.len, 100000);
	cr_assert_gt(b.cap, b.len);
	cr_assert_eq(strlen(b.data), 100000);
	for (i = 0; i < 100000; i++)
		cr_assert_eq(b.data[i], (char)('a' + i % 26), "byte %zu", i);
	kc_buf_free(&b);
}

Test(buf, growth_up_to_cap_with_printf)
{
	struct kc_buf b;
	size_t i;

	kc_buf_init(&b, 1000);
	for (i = 0; i < 100; i++)
		cr_assert_eq(kc_buf_printf(&b, "%09zu,", i), 0);
	cr_assert_eq(b.len, 1000);
	cr_assert_leq(b.cap, 1001);
	cr_assert_eq(strncmp(b.data, "000000000,000000001,", 20), 0);
	cr_assert_str_eq(b.data + 990, "000000099,");
	cr_assert_eq(kc_buf_putc(&b, 'x'), -1);
	kc_buf_free(&b);
}

Test(buf, reset_keeps_memory)
{
	struct kc_buf b;
	char *before;
	size_t cap;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_puts(&b, "hello"), 0);
	before = b.data;
	cap = b.cap;
	kc_buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.data, before);
	cr_assert_eq(b.cap, cap);
	cr_assert_str_eq(b.data, "");
	cr_assert_eq(kc_buf_puts(&b, "hi"), 0);
	cr_assert_str_eq(b.data, "hi");
	kc_buf_free(&b);
}

Test(buf, reset_of_empty_buffer)
{
	struct kc_buf b;

	kc_buf_init(&b, 100);
	kc_buf_reset(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	kc_buf_free(&b);
}

Test(buf, reset_restores_room_under_cap)
{
	struct kc_buf b;

	kc_buf_init(&b, 4);
	cr_assert_eq(kc_buf_puts(&b, "abcd"), 0);
	cr_assert_eq(kc_buf_putc(&b, 'e'), -1);
	kc_buf_reset(&b);
	cr_assert_eq(kc_buf_puts(&b, "wxyz"), 0);
	cr_assert_str_eq(b.data, "wxyz");
	kc_buf_free(&b);
}

Test(buf, take_hands_over_contents)
{
	struct kc_buf b;
	size_t len = 99;
	char *s;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_puts(&b, "payload"), 0);
	s = kc_buf_take(&b, &len);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "payload");
	cr_assert_eq(len, 7);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	cr_assert_eq(b.max, 100);
	/* The buffer is usable again and independent of s. */
	cr_assert_eq(kc_buf_puts(&b, "next"), 0);
	cr_assert_str_eq(b.data, "next");
	cr_assert_str_eq(s, "payload");
	free(s);
	kc_buf_free(&b);
}

Test(buf, take_of_empty_buffer_gives_empty_string)
{
	struct kc_buf b;
	size_t len = 99;
	char *s;

	kc_buf_init(&b, 100);
	s = kc_buf_take(&b, &len);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "");
	cr_assert_eq(len, 0);
	free(s);
	kc_buf_free(&b);
}

Test(buf, take_without_len)
{
	struct kc_buf b;
	char *s;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_puts(&b, "x"), 0);
	s = kc_buf_take(&b, NULL);
	cr_assert_str_eq(s, "x");
	free(s);
	kc_buf_free(&b);
}

Test(buf, take_after_reset)
{
	struct kc_buf b;
	size_t len = 99;
	char *s;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_puts(&b, "old"), 0);
	kc_buf_reset(&b);
	s = kc_buf_take(&b, &len);
	cr_assert_str_eq(s, "");
	cr_assert_eq(len, 0);
	free(s);
	kc_buf_free(&b);
}

Test(buf, free_is_idempotent)
{
	struct kc_buf b;

	kc_buf_init(&b, 100);
	cr_assert_eq(kc_buf_puts(&b, "abc"), 0);
	kc_buf_free(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	kc_buf_free(&b);
	cr_assert_null(b.data);
	/* And reusable. */
	cr_assert_eq(kc_buf_puts(&b, "again"), 0);
	cr_assert_str_eq(b.data, "again");
	kc_buf_free(&b);
}
