/*
 * Unit tests for lib/core/kc_prom: the text exposition format 0.0.4 as
 * written: HELP and TYPE lines, label values escaped, exact decimals for
 * durations kept in microseconds, cumulative histogram buckets.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kc_prom.h"

static struct kc_buf b;

static void
setup(void)
{
	kc_buf_init(&b, 1 << 20);
}

static void
teardown(void)
{
	kc_buf_free(&b);
}

TestSuite(prom, .init = setup, .fini = teardown);

Test(prom, family_lines)
{
	cr_assert_eq(kc_prom_family(&b, "kc_x_total", "counter",
				    "Things; a \\ and a\nnewline."),
		     0);
	cr_assert_str_eq(b.data, "# HELP kc_x_total Things; a \\\\ and a\\n"
				 "newline.\n# TYPE kc_x_total counter\n");
}

Test(prom, samples_without_and_with_labels)
{
	struct kc_prom_label l[2] = {{"status", "pending"}, {"code", "200"}};

	cr_assert_eq(kc_prom_int(&b, "kc_up", NULL, 0, 1), 0);
	cr_assert_eq(kc_prom_int(&b, "kc_gauge", l, 1, -3), 0);
	cr_assert_eq(kc_prom_uint(&b, "kc_total", l, 2, UINT64_MAX), 0);
	cr_assert_str_eq(b.data, "kc_up 1\n"
				 "kc_gauge{status=\"pending\"} -3\n"
				 "kc_total{status=\"pending\",code=\"200\"} "
				 "18446744073709551615\n");
}

Test(prom, label_values_escaped)
{
	struct kc_prom_label l = {"route", "/a\"b\\c\nd"};

	cr_assert_eq(kc_prom_int(&b, "kc_x", &l, 1, 0), 0);
	cr_assert_str_eq(b.data, "kc_x{route=\"/a\\\"b\\\\c\\nd\"} 0\n");
}

Test(prom, micro_is_an_exact_decimal)
{
	cr_assert_eq(kc_prom_micro(&b, "a", NULL, 0, 0), 0);
	cr_assert_eq(kc_prom_micro(&b, "b", NULL, 0, 1), 0);
	cr_assert_eq(kc_prom_micro(&b, "c", NULL, 0, 2500000), 0);
	cr_assert_eq(kc_prom_micro(&b, "d", NULL, 0, -1500), 0);
	cr_assert_eq(kc_prom_micro(&b, "e", NULL, 0, 123456789012345678LL), 0);
	cr_assert_str_eq(b.data, "a 0.000000\nb 0.000001\nc 2.500000\n"
				 "d -0.001500\ne 123456789012.345678\n");
}

Test(prom, bounds_as_le_values)
{
	char le[32];

	kc_prom_bound(0.005, le, sizeof(le));
	cr_assert_str_eq(le, "0.005");
	kc_prom_bound(0.25, le, sizeof(le));
	cr_assert_str_eq(le, "0.25");
	kc_prom_bound(1, le, sizeof(le));
	cr_assert_str_eq(le, "1");
	kc_prom_bound(3600, le, sizeof(le));
	cr_assert_str_eq(le, "3600");
}

Test(prom, histogram_is_cumulative)
{
	static const double bounds[] = {0.1, 1, 10};
	/* 2 up to 0.1, none in (0.1, 1], 3 in (1, 10], 1 above. */
	static const uint64_t counts[] = {2, 0, 3, 1};
	struct kc_prom_label l = {"route", "/v1/x"};

	cr_assert_eq(kc_prom_histogram(&b, "kc_seconds", &l, 1, bounds, 3,
				       counts, 21750000),
		     0);
	cr_assert_str_eq(b.data,
			 "kc_seconds_bucket{route=\"/v1/x\",le=\"0.1\"} 2\n"
			 "kc_seconds_bucket{route=\"/v1/x\",le=\"1\"} 2\n"
			 "kc_seconds_bucket{route=\"/v1/x\",le=\"10\"} 5\n"
			 "kc_seconds_bucket{route=\"/v1/x\",le=\"+Inf\"} 6\n"
			 "kc_seconds_sum{route=\"/v1/x\"} 21.750000\n"
			 "kc_seconds_count{route=\"/v1/x\"} 6\n");
}

Test(prom, histogram_without_labels)
{
	static const double bounds[] = {0.5};
	static const uint64_t counts[] = {0, 0};

	cr_assert_eq(kc_prom_histogram(&b, "h", NULL, 0, bounds, 1, counts, 0),
		     0);
	cr_assert_str_eq(b.data, "h_bucket{le=\"0.5\"} 0\n"
				 "h_bucket{le=\"+Inf\"} 0\n"
				 "h_sum 0.000000\nh_count 0\n");
}

Test(prom, full_buffer_is_an_error)
{
	struct kc_buf small;

	kc_buf_init(&small, 16);
	cr_assert_eq(
	    kc_prom_family(&small, "kc_something_long", "gauge", "Help text."),
	    -1);
	kc_buf_free(&small);
}
