// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_value.c - typed values (plan/value.c): literals of every
 * type, good and bad, ranges, libpcap filters run with bpf_filter(),
 * canonical formatting and its round trip, JSON, equality.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "plan/value.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct lana_arena a;
	char err[256];
};

static int setup(void **state)
{
	*state = xcalloc(1, sizeof(struct fixture));
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	lana_arena_free(&f->a);
	free(f);
	return 0;
}

/* ok() - parse @text as @type, failing the test on error. */
static struct lana_value ok(struct fixture *f, unsigned int type,
			    const struct lana_param *p, const char *text)
{
	struct lana_value v;

	f->err[0] = '\0';
	if (lana_value_parse(&f->a, type, p, text, &v, f->err, sizeof(f->err)))
		fail_msg("'%s' as %u failed: %s", text, type, f->err);
	assert_int_equal(v.type, type);
	return v;
}

/* bad() - parse must fail and the error must contain @want. */
static void bad(struct fixture *f, unsigned int type,
		const struct lana_param *p, const char *text, const char *want)
{
	struct lana_value v;

	f->err[0] = '\0';
	if (!lana_value_parse(&f->a, type, p, text, &v, f->err, sizeof(f->err)))
		fail_msg("'%s' as %u was accepted", text, type);
	if (!strstr(f->err, want))
		fail_msg("'%s': error '%s' lacks '%s'", text, f->err, want);
}

static uint64_t ok_u(struct fixture *f, unsigned int type, const char *text)
{
	return ok(f, type, NULL, text).u;
}

/* ------------------------------------------------------------- literals */

static void test_bool(void **state)
{
	struct fixture *f = *state;
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		assert_true(ok(f, LANA_PT_BOOL, NULL, yes[i]).b);
		assert_false(ok(f, LANA_PT_BOOL, NULL, no[i]).b);
	}
	bad(f, LANA_PT_BOOL, NULL, "maybe", "expected bool");
	bad(f, LANA_PT_BOOL, NULL, "TRUE", "got 'TRUE'");
	bad(f, LANA_PT_BOOL, NULL, "2", "expected bool");
	bad(f, LANA_PT_BOOL, NULL, "", "expected bool");
}

static void test_unsigned(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ok_u(f, LANA_PT_U8, "0"), 0);
	assert_int_equal(ok_u(f, LANA_PT_U8, "255"), 255);
	assert_int_equal(ok_u(f, LANA_PT_U8, "0xff"), 255);
	assert_int_equal(ok_u(f, LANA_PT_U8, "0XFf"), 255);
	assert_int_equal(ok_u(f, LANA_PT_U8, "007"), 7);
	bad(f, LANA_PT_U8, NULL, "256", "value 256 does not fit u8 (0..255)");
	bad(f, LANA_PT_U8, NULL, "300", "value 300 does not fit u8 (0..255)");
	bad(f, LANA_PT_U8, NULL, "0x100", "does not fit u8");
	assert_int_equal(ok_u(f, LANA_PT_U16, "65535"), 65535);
	bad(f, LANA_PT_U16, NULL, "65536", "does not fit u16 (0..65535)");
	assert_int_equal(ok_u(f, LANA_PT_U32, "4294967295"), 4294967295u);
	bad(f, LANA_PT_U32, NULL, "4294967296", "does not fit u32");
	assert_true(ok_u(f, LANA_PT_U64, "18446744073709551615") == UINT64_MAX);
	assert_true(ok_u(f, LANA_PT_U64, "0xffffffffffffffff") == UINT64_MAX);
	assert_true(ok_u(f, LANA_PT_U64, "0x123456789abcdef0") ==
		    0x123456789abcdef0ULL);
	bad(f, LANA_PT_U64, NULL, "18446744073709551616", "does not fit u64");
	bad(f, LANA_PT_U64, NULL, "99999999999999999999999", "does not fit u64");
	bad(f, LANA_PT_U64, NULL, "0x10000000000000000", "does not fit u64");
	bad(f, LANA_PT_U8, NULL, "-1", "expected unsigned integer, got '-1'");
	bad(f, LANA_PT_U32, NULL, "+1", "expected unsigned integer");
	bad(f, LANA_PT_U32, NULL, "12a", "expected unsigned integer");
	bad(f, LANA_PT_U32, NULL, "0x", "expected unsigned integer");
	bad(f, LANA_PT_U32, NULL, "1.5", "expected unsigned integer");
	bad(f, LANA_PT_U32, NULL, "", "expected unsigned integer");
	bad(f, LANA_PT_U16, NULL, "abc", "got 'abc'");
}

static void test_signed(void **state)
{
	struct fixture *f = *state;

	assert_true(ok(f, LANA_PT_I64, NULL, "-3").i == -3);
	assert_true(ok(f, LANA_PT_I64, NULL, "42").i == 42);
	assert_true(ok(f, LANA_PT_I64, NULL, "-9223372036854775808").i ==
		    INT64_MIN);
	assert_true(ok(f, LANA_PT_I64, NULL, "9223372036854775807").i ==
		    INT64_MAX);
	bad(f, LANA_PT_I64, NULL, "-9223372036854775809", "does not fit i64");
	bad(f, LANA_PT_I64, NULL, "9223372036854775808", "does not fit i64");
	bad(f, LANA_PT_I64, NULL, "-", "expected signed integer");
	bad(f, LANA_PT_I64, NULL, "--1", "expected signed integer");
}

static void test_int_range(void **state)
{
	struct fixture *f = *state;
	struct lana_param vid = {
		.name = "vid", .type = LANA_PT_U16, .flags = LANA_PF_RANGE,
		.min = 1, .max = 4094,
	};
	struct lana_param off = {
		.name = "off", .type = LANA_PT_I64, .flags = LANA_PF_RANGE,
		.min = -10, .max = 10,
	};
	struct lana_param norange = { .name = "x", .type = LANA_PT_U16,
				      .min = 1, .max = 2 };

	assert_int_equal(ok(f, LANA_PT_U16, &vid, "1").u, 1);
	assert_int_equal(ok(f, LANA_PT_U16, &vid, "4094").u, 4094);
	bad(f, LANA_PT_U16, &vid, "5000", "value 5000 out of range 1..4094");
	bad(f, LANA_PT_U16, &vid, "0", "value 0 out of range 1..4094");
	bad(f, LANA_PT_U16, &vid, "4095", "out of range");
	/* the type's own bound comes first */
	bad(f, LANA_PT_U16, &vid, "70000", "does not fit u16");
	/* without LANA_PF_RANGE min/max are ignored */
	assert_int_equal(ok(f, LANA_PT_U16, &norange, "5").u, 5);

	assert_true(ok(f, LANA_PT_I64, &off, "-10").i == -10);
	assert_true(ok(f, LANA_PT_I64, &off, "10").i == 10);
	bad(f, LANA_PT_I64, &off, "-11", "value -11 out of range -10..10");
	bad(f, LANA_PT_I64, &off, "11", "value 11 out of range -10..10");
}

static void test_size(void **state)
{
	struct fixture *f = *state;
	struct lana_param snap = { .name = "snaplen", .type = LANA_PT_SIZE,
				   .flags = LANA_PF_RANGE, .min = 64,
				   .max = 262144 };

	assert_int_equal(ok_u(f, LANA_PT_SIZE, "64"), 64);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "64B"), 64);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "0B"), 0);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "64KiB"), 64 * 1024);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1.5KiB"), 1536);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1MiB"), 1048576);
	assert_true(ok_u(f, LANA_PT_SIZE, "2GiB") == 2147483648ULL);
	/*
	 * tc(8) SIZES, with iproute2's factors (get_size(), lib/utils_math.c):
	 * b = 1, k = kb = 1024, m = mb = 1024^2, g = gb = 1024^3, kbit =
	 * 1024/8, mbit = 1024^2/8, gbit = 1024^3/8; any case.
	 */
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "64b"), 64);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1k"), 1024);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1K"), 1024);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1kB"), 1024);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "64kb"), 65536);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "64kib"), 65536);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1.5MB"), 1572864);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "64M"), 67108864);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "2m"), 2097152);
	assert_true(ok_u(f, LANA_PT_SIZE, "3GB") == 3221225472ULL);
	assert_true(ok_u(f, LANA_PT_SIZE, "1g") == 1073741824ULL);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1kbit"), 128);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "3Mbit"), 393216);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1gbit"), 134217728);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "0.25KiB"), 256);
	assert_int_equal(ok_u(f, LANA_PT_SIZE, "1.000B"), 1);
	assert_true(ok_u(f, LANA_PT_SIZE, "17179869183GiB") ==
		    17179869183ULL << 30);
	bad(f, LANA_PT_SIZE, NULL, "17179869184GiB", "too large");
	bad(f, LANA_PT_SIZE, NULL, "0.5B", "not a whole number of bytes");
	bad(f, LANA_PT_SIZE, NULL, "1.0001KiB", "not a whole number");
	bad(f, LANA_PT_SIZE, NULL, "0.01kbit", "not a whole number of bytes");
	bad(f, LANA_PT_SIZE, NULL, "1tb", "unknown size unit 'tb'");
	bad(f, LANA_PT_SIZE, NULL, "1mbps",
	    "'mbps' in '1mbps' is a rate unit, not a size unit");
	bad(f, LANA_PT_SIZE, NULL, "64XB",
	    "unknown size unit 'XB' in '64XB'; expected b, k or kb");
	bad(f, LANA_PT_SIZE, NULL, "abc", "expected size");
	bad(f, LANA_PT_SIZE, NULL, "10.0.0.1", "expected size");
	bad(f, LANA_PT_SIZE, NULL, "-1B", "expected size");
	bad(f, LANA_PT_SIZE, NULL, ".5KiB", "expected size");
	bad(f, LANA_PT_SIZE, NULL, "1.KiB", "expected size");
	assert_int_equal(ok(f, LANA_PT_SIZE, &snap, "256KiB").u, 262144);
	bad(f, LANA_PT_SIZE, &snap, "32B", "value 32B out of range 64B..256KiB");
	bad(f, LANA_PT_SIZE, &snap, "1MiB", "out of range");
}

static void test_rate(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ok_u(f, LANA_PT_RATE, "0"), 0);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "500"), 500);
	/*
	 * tc(8) RATES, values in bit/s computed by hand: bit, kbit, mbit,
	 * gbit, tbit are 10^0,3,6,9,12 bit/s; bps... are bytes (x 8); IEC
	 * prefixes ki, mi, gi, ti are 1024^1..4; any case (strcasecmp).
	 */
	assert_int_equal(ok_u(f, LANA_PT_RATE, "64bit"), 64);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "100kbit"), 100000);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "10mbit"), 10000000);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "10Mbit"), 10000000);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "10MBIT"), 10000000);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1Gbit"), 1000000000);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1.5gbit"), 1500000000);
	assert_true(ok_u(f, LANA_PT_RATE, "2tbit") == 2000000000000ULL);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "64bps"), 512);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1kbps"), 8000);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "10mbps"), 80000000);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "10MBps"), 80000000);
	assert_true(ok_u(f, LANA_PT_RATE, "1gbps") == 8000000000ULL);
	assert_true(ok_u(f, LANA_PT_RATE, "1tbps") == 8000000000000ULL);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1kibit"), 1024);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1Kibit"), 1024);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1mibit"), 1048576);
	assert_true(ok_u(f, LANA_PT_RATE, "1gibit") == 1073741824ULL);
	assert_true(ok_u(f, LANA_PT_RATE, "1tibit") == 1099511627776ULL);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1kibps"), 8192);
	assert_int_equal(ok_u(f, LANA_PT_RATE, "1MiBps"), 8388608);
	assert_true(ok_u(f, LANA_PT_RATE, "1gibps") == 8589934592ULL);
	assert_true(ok_u(f, LANA_PT_RATE, "1TiBps") == 8796093022208ULL);
	/* spellings tc does not take, with a hint where one fits */
	bad(f, LANA_PT_RATE, NULL, "10mb",
	    "'mb' in '10mb' is not a rate unit: did you mean 'mbit' (bits/s) or 'mbps' (bytes/s)?");
	bad(f, LANA_PT_RATE, NULL, "10M",
	    "did you mean 'mbit' (bits/s) or 'mbps' (bytes/s)?");
	bad(f, LANA_PT_RATE, NULL, "100k",
	    "did you mean 'kbit' (bits/s) or 'kbps' (bytes/s)?");
	bad(f, LANA_PT_RATE, NULL, "10KiB",
	    "did you mean 'kibit' (bits/s) or 'kibps' (bytes/s)?");
	bad(f, LANA_PT_RATE, NULL, "10B",
	    "did you mean 'bit' (bits/s) or 'bps' (bytes/s)?");
	bad(f, LANA_PT_RATE, NULL, "10Mbit/s",
	    "'Mbit/s' in '10Mbit/s' is not a rate unit: did you mean 'Mbit'?");
	bad(f, LANA_PT_RATE, NULL, "10Q",
	    "unknown rate unit 'Q' in '10Q'; expected bit, kbit");
	bad(f, LANA_PT_RATE, NULL, "10kb/s", "unknown rate unit 'kb/s'");
	bad(f, LANA_PT_RATE, NULL, "1.0005kbit", "not a whole number of bit/s");
	bad(f, LANA_PT_RATE, NULL, "fast", "expected rate");
	bad(f, LANA_PT_RATE, NULL, "99999999999tbit", "too large");
	bad(f, LANA_PT_RATE, NULL, "2400000tbps", "too large");
}

static void test_duration(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ok_u(f, LANA_PT_DURATION, "0"), 0);
	assert_int_equal(ok_u(f, LANA_PT_DURATION, "10ns"), 10);
	assert_int_equal(ok_u(f, LANA_PT_DURATION, "5us"), 5000);
	assert_int_equal(ok_u(f, LANA_PT_DURATION, "3ms"), 3000000);
	assert_int_equal(ok_u(f, LANA_PT_DURATION, "1.5ms"), 1500000);
	assert_true(ok_u(f, LANA_PT_DURATION, "2s") == 2000000000ULL);
	assert_int_equal(ok_u(f, LANA_PT_DURATION, "0.000000001s"), 1);
	bad(f, LANA_PT_DURATION, NULL, "250", "needs a unit");
	bad(f, LANA_PT_DURATION, NULL, "1.5ns", "not a whole number of nanoseconds");
	bad(f, LANA_PT_DURATION, NULL, "1h", "unknown duration unit 'h'");
	bad(f, LANA_PT_DURATION, NULL, "soon", "expected duration");
}

static void test_string(void **state)
{
	struct fixture *f = *state;
	struct lana_param dev = { .name = "dev", .type = LANA_PT_STRING,
				  .flags = LANA_PF_RANGE, .min = 1, .max = 15 };
	char text[] = "veth0";
	struct lana_value v = ok(f, LANA_PT_STRING, NULL, text);

	/* copied into the arena, not aliased */
	assert_ptr_not_equal(v.str, text);
	text[0] = 'X';
	assert_string_equal(v.str, "veth0");
	assert_string_equal(ok(f, LANA_PT_STRING, NULL, "").str, "");
	assert_string_equal(ok(f, LANA_PT_STRING, &dev, "123456789012345").str,
			    "123456789012345");
	bad(f, LANA_PT_STRING, &dev, "1234567890123456", "out of range 1..15");
	bad(f, LANA_PT_STRING, &dev, "", "length 0");
}

static void test_mac(void **state)
{
	struct fixture *f = *state;
	static const uint8_t m1[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t m2[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

	assert_memory_equal(ok(f, LANA_PT_MAC, NULL, "00:11:22:33:44:55").mac,
			    m1, 6);
	assert_memory_equal(ok(f, LANA_PT_MAC, NULL, "AA-BB-cc-DD-ee-FF").mac,
			    m2, 6);
	bad(f, LANA_PT_MAC, NULL, "10.0.0.1",
	    "expected mac address, got '10.0.0.1'");
	bad(f, LANA_PT_MAC, NULL, "aa:bb:cc:dd:ee", "expected mac address");
	bad(f, LANA_PT_MAC, NULL, "aa:bb:cc:dd:ee:ff:00", "expected mac");
	bad(f, LANA_PT_MAC, NULL, "aa:bb-cc:dd:ee:ff", "expected mac");
	bad(f, LANA_PT_MAC, NULL, "a:bb:cc:dd:ee:ff", "expected mac");
	bad(f, LANA_PT_MAC, NULL, "gg:bb:cc:dd:ee:ff", "expected mac");
	bad(f, LANA_PT_MAC, NULL, "aabbccddeeff", "expected mac");
}

static void test_ip(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a4[4] = { 10, 0, 0, 1 };
	uint8_t a6[16] = { 0 };
	struct lana_value v;

	v = ok(f, LANA_PT_IPV4, NULL, "10.0.0.1");
	assert_int_equal(v.ip.family, 4);
	assert_int_equal(v.ip.plen, 32);
	assert_memory_equal(v.ip.addr, a4, 4);
	bad(f, LANA_PT_IPV4, NULL, "256.0.0.1", "expected ipv4 address");
	bad(f, LANA_PT_IPV4, NULL, "10.0.0", "expected ipv4 address");
	bad(f, LANA_PT_IPV4, NULL, "fe80::1", "expected ipv4 address");
	bad(f, LANA_PT_IPV4, NULL, "10.0.0.0/8", "expected ipv4 address");

	a6[0] = 0xfe;
	a6[1] = 0x80;
	a6[15] = 1;
	v = ok(f, LANA_PT_IPV6, NULL, "fe80::1");
	assert_int_equal(v.ip.family, 6);
	assert_int_equal(v.ip.plen, 128);
	assert_memory_equal(v.ip.addr, a6, 16);
	bad(f, LANA_PT_IPV6, NULL, "10.0.0.1",
	    "expected ipv6 address, got '10.0.0.1'");
	bad(f, LANA_PT_IPV6, NULL, "fe80:::1", "expected ipv6 address");
}

static void test_prefix(void **state)
{
	struct fixture *f = *state;
	struct lana_value v;

	v = ok(f, LANA_PT_PREFIX, NULL, "10.0.0.0/8");
	assert_int_equal(v.ip.family, 4);
	assert_int_equal(v.ip.plen, 8);
	assert_int_equal(v.ip.addr[0], 10);
	v = ok(f, LANA_PT_PREFIX, NULL, "0.0.0.0/0");
	assert_int_equal(v.ip.plen, 0);
	v = ok(f, LANA_PT_PREFIX, NULL, "10.1.2.3/32");
	assert_int_equal(v.ip.plen, 32);
	v = ok(f, LANA_PT_PREFIX, NULL, "192.168.4.0/22");
	assert_int_equal(v.ip.addr[2], 4);
	v = ok(f, LANA_PT_PREFIX, NULL, "fe80::/10");
	assert_int_equal(v.ip.family, 6);
	assert_int_equal(v.ip.plen, 10);
	assert_int_equal(v.ip.addr[0], 0xfe);
	assert_int_equal(v.ip.addr[1], 0x80);
	v = ok(f, LANA_PT_PREFIX, NULL, "2001:db8::1/128");
	assert_int_equal(v.ip.plen, 128);

	bad(f, LANA_PT_PREFIX, NULL, "10.0.0.1/8",
	    "prefix 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?");
	bad(f, LANA_PT_PREFIX, NULL, "192.168.5.0/22", "did you mean 192.168.4.0/22?");
	bad(f, LANA_PT_PREFIX, NULL, "fe80::1/64",
	    "has host bits set; did you mean fe80::/64?");
	bad(f, LANA_PT_PREFIX, NULL, "10.0.0.0/33", "out of range 0..32");
	bad(f, LANA_PT_PREFIX, NULL, "2001:db8::/129", "out of range 0..128");
	bad(f, LANA_PT_PREFIX, NULL, "10.0.0.0", "expected prefix");
	bad(f, LANA_PT_PREFIX, NULL, "10.0.0.0/", "expected prefix");
	bad(f, LANA_PT_PREFIX, NULL, "10.0.0.0/x", "expected prefix");
	bad(f, LANA_PT_PREFIX, NULL, "10.0.0.0/-1", "expected prefix");
	bad(f, LANA_PT_PREFIX, NULL, "300.0.0.0/8", "expected prefix");
}

static const char *const ops[] = { "push", "pop", "filter", NULL };

static void test_enum(void **state)
{
	struct fixture *f = *state;
	struct lana_param op = { .name = "op", .type = LANA_PT_ENUM,
				 .symbols = ops };

	assert_string_equal(ok(f, LANA_PT_ENUM, &op, "pop").str, "pop");
	assert_string_equal(ok(f, LANA_PT_ENUM, &op, "filter").str, "filter");
	bad(f, LANA_PT_ENUM, &op, "swap",
	    "unknown value 'swap' for 'op'; expected one of: push, pop, filter");
	bad(f, LANA_PT_ENUM, &op, "Push", "unknown value 'Push'");
	bad(f, LANA_PT_ENUM, NULL, "push", "unknown value 'push'");
}

/* ------------------------------------------------------------- filters */

/* Ethernet + IPv4 + @proto header to destination port @dport. */
static size_t build_frame(uint8_t *p, uint8_t proto, uint16_t dport)
{
	size_t l4 = proto == 6 ? 20 : 8, n = 14 + 20 + l4;

	memset(p, 0, n);
	memcpy(p, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01", 12);
	p[12] = 0x08;			/* ethertype IPv4 */
	p[13] = 0x00;
	p[14] = 0x45;			/* version 4, IHL 5 */
	p[16] = (uint8_t)((20 + l4) >> 8);
	p[17] = (uint8_t)(20 + l4);
	p[22] = 64;			/* TTL */
	p[23] = proto;
	memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	p[34] = 0x30;			/* source port 12345 */
	p[35] = 0x39;
	p[36] = (uint8_t)(dport >> 8);
	p[37] = (uint8_t)dport;
	if (proto == 6)
		p[46] = 0x50;		/* TCP data offset 5 */
	else
		p[39] = 8;		/* UDP length */
	return n;
}

static unsigned int run(const struct lana_value *v, const uint8_t *pkt,
			size_t n)
{
	struct bpf_insn *prog = xcalloc(v->filter.n, sizeof(*prog));
	unsigned int r;
	uint32_t i;

	for (i = 0; i < v->filter.n; i++) {
		prog[i].code = v->filter.insns[i].code;
		prog[i].jt = v->filter.insns[i].jt;
		prog[i].jf = v->filter.insns[i].jf;
		prog[i].k = v->filter.insns[i].k;
	}
	r = bpf_filter(prog, pkt, (unsigned int)n, (unsigned int)n);
	free(prog);
	return r;
}

static void test_filter(void **state)
{
	struct fixture *f = *state;
	uint8_t tcp80[64], tcp81[64], udp80[64];
	size_t ntcp = build_frame(tcp80, 6, 80);
	size_t ntcp81 = build_frame(tcp81, 6, 81);
	size_t nudp = build_frame(udp80, 17, 80);
	struct lana_value ip, port, again;

	ip = ok(f, LANA_PT_FILTER, NULL, "ip");
	assert_string_equal(ip.filter.expr, "ip");
	assert_true(ip.filter.n > 0);
	assert_int_not_equal(run(&ip, tcp80, ntcp), 0);
	assert_int_not_equal(run(&ip, udp80, nudp), 0);

	port = ok(f, LANA_PT_FILTER, NULL, "tcp port 80");
	assert_true(port.filter.n > 0);
	assert_int_not_equal(run(&port, tcp80, ntcp), 0);
	assert_int_equal(run(&port, udp80, nudp), 0);
	assert_int_equal(run(&port, tcp81, ntcp81), 0);
	assert_false(lana_value_equal(&ip, &port));

	/* cached: the same program, equal values */
	again = ok(f, LANA_PT_FILTER, NULL, "tcp port 80");
	assert_ptr_equal(again.filter.insns, port.filter.insns);
	assert_true(lana_value_equal(&again, &port));

	bad(f, LANA_PT_FILTER, NULL, "tcp port", "syntax error");
	bad(f, LANA_PT_FILTER, NULL, "tcp port 99999", "illegal port number");
	/* libpcap compiles protochain with a backward jump: no engine runs it */
	bad(f, LANA_PT_FILTER, NULL, "ip6 protochain 6", "backward jump");
	/* a failure is not cached */
	bad(f, LANA_PT_FILTER, NULL, "tcp port", "syntax error");
}

/* ------------------------------------------------------------- format */

/* unquote() - undo .lana string quoting (what the lexer does). */
static char *unquote(const char *s)
{
	size_t n = strlen(s), i, o = 0;
	char *r = xmalloc(n + 1);

	assert_true(n >= 2 && s[0] == '"' && s[n - 1] == '"');
	for (i = 1; i < n - 1; i++) {
		if (s[i] != '\\') {
			r[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n':
			r[o++] = '\n';
			break;
		case 't':
			r[o++] = '\t';
			break;
		case 'r':
			r[o++] = '\r';
			break;
		case 'x': {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			r[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
			break;
		}
		default:
			r[o++] = s[i];
		}
	}
	r[o] = '\0';
	return r;
}

static char *fmt(const struct lana_value *v)
{
	struct lana_buf b = { 0 };
	char *s;

	lana_value_format(v, &b);
	s = xstrdup(b.data ? b.data : "");
	lana_buf_free(&b);
	return s;
}

static void check_format(struct fixture *f, unsigned int type,
			 const struct lana_param *p, const char *in,
			 const char *want)
{
	struct lana_value v = ok(f, type, p, in), w;
	char *s = fmt(&v), *text;

	if (strcmp(s, want))
		fail_msg("format of '%s': got '%s', want '%s'", in, s, want);
	text = s[0] == '"' ? unquote(s) : xstrdup(s);
	w = ok(f, type, p, text);
	if (!lana_value_equal(&v, &w))
		fail_msg("'%s' -> '%s' does not parse back equal", in, s);
	free(text);
	free(s);
}

static void test_format_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct lana_param op = { .name = "op", .type = LANA_PT_ENUM,
				 .symbols = ops };

	check_format(f, LANA_PT_BOOL, NULL, "yes", "true");
	check_format(f, LANA_PT_BOOL, NULL, "off", "false");
	check_format(f, LANA_PT_U8, NULL, "0xff", "255");
	check_format(f, LANA_PT_U16, NULL, "4094", "4094");
	check_format(f, LANA_PT_U32, NULL, "0", "0");
	check_format(f, LANA_PT_U64, NULL, "18446744073709551615",
		     "18446744073709551615");
	check_format(f, LANA_PT_I64, NULL, "-3", "-3");
	check_format(f, LANA_PT_I64, NULL, "-9223372036854775808",
		     "-9223372036854775808");
	check_format(f, LANA_PT_SIZE, NULL, "65536", "64KiB");
	check_format(f, LANA_PT_SIZE, NULL, "1500", "1500B");
	check_format(f, LANA_PT_SIZE, NULL, "0", "0B");
	check_format(f, LANA_PT_SIZE, NULL, "1.5KiB", "1536B");
	check_format(f, LANA_PT_SIZE, NULL, "1.5MiB", "1536KiB");
	check_format(f, LANA_PT_SIZE, NULL, "1GB", "1GiB");
	check_format(f, LANA_PT_SIZE, NULL, "1000000000", "1000000000B");
	check_format(f, LANA_PT_SIZE, NULL, "3kbit", "384B");
	check_format(f, LANA_PT_SIZE, NULL, "4GiB", "4GiB");
	check_format(f, LANA_PT_SIZE, NULL, "18446744073709551615",
		     "18446744073709551615B");
	check_format(f, LANA_PT_RATE, NULL, "10Mbit", "10mbit");
	check_format(f, LANA_PT_RATE, NULL, "1.5gbit", "1500mbit");
	check_format(f, LANA_PT_RATE, NULL, "2000gbit", "2tbit");
	check_format(f, LANA_PT_RATE, NULL, "1234", "1234");
	check_format(f, LANA_PT_RATE, NULL, "0", "0");
	check_format(f, LANA_PT_RATE, NULL, "100kbps", "800kbit");
	check_format(f, LANA_PT_RATE, NULL, "1kibit", "1024");
	check_format(f, LANA_PT_DURATION, NULL, "1.5ms", "1500us");
	check_format(f, LANA_PT_DURATION, NULL, "2000ms", "2s");
	check_format(f, LANA_PT_DURATION, NULL, "7ns", "7ns");
	check_format(f, LANA_PT_DURATION, NULL, "0", "0ns");
	check_format(f, LANA_PT_STRING, NULL, "veth0", "\"veth0\"");
	check_format(f, LANA_PT_STRING, NULL, "a \"q\" \\ b\n\t\r\x01",
		     "\"a \\\"q\\\" \\\\ b\\n\\t\\r\\x01\"");
	check_format(f, LANA_PT_STRING, NULL, "", "\"\"");
	check_format(f, LANA_PT_MAC, NULL, "AA-BB-CC-DD-EE-0F",
		     "aa:bb:cc:dd:ee:0f");
	check_format(f, LANA_PT_IPV4, NULL, "192.168.0.1", "192.168.0.1");
	check_format(f, LANA_PT_IPV6, NULL, "FE80:0:0::1", "\"fe80::1\"");
	check_format(f, LANA_PT_PREFIX, NULL, "10.0.0.0/8", "10.0.0.0/8");
	check_format(f, LANA_PT_PREFIX, NULL, "2001:DB8::/32",
		     "\"2001:db8::/32\"");
	check_format(f, LANA_PT_ENUM, &op, "push", "push");
	check_format(f, LANA_PT_FILTER, NULL, "tcp port 80", "\"tcp port 80\"");
	check_format(f, LANA_PT_FILTER, NULL, "ether proto \\ip",
		     "\"ether proto \\\\ip\"");
}

static void test_format_list_json(void **state)
{
	struct fixture *f = *state;
	struct lana_value items[2], l, fl, v;
	struct lana_buf b = { 0 };

	items[0] = ok(f, LANA_PT_U16, NULL, "10");
	items[1] = ok(f, LANA_PT_U16, NULL, "20");
	memset(&l, 0, sizeof(l));
	l.type = LANA_PT_LIST;
	l.list.elem = LANA_PT_U16;
	l.list.n = 2;
	l.list.items = items;
	lana_value_format(&l, &b);
	assert_string_equal(b.data, "[10, 20]");
	b.len = 0;
	lana_value_format_json(&l, &b);
	assert_string_equal(b.data, "[10, 20]");
	b.len = 0;

	v = ok(f, LANA_PT_SIZE, NULL, "64KiB");
	lana_value_format_json(&v, &b);
	assert_string_equal(b.data, "65536");
	b.len = 0;
	v = ok(f, LANA_PT_I64, NULL, "-7");
	lana_value_format_json(&v, &b);
	assert_string_equal(b.data, "-7");
	b.len = 0;
	v = ok(f, LANA_PT_BOOL, NULL, "on");
	lana_value_format_json(&v, &b);
	assert_string_equal(b.data, "true");
	b.len = 0;
	v = ok(f, LANA_PT_STRING, NULL, "a\"b");
	lana_value_format_json(&v, &b);
	assert_string_equal(b.data, "\"a\\\"b\"");
	b.len = 0;
	v = ok(f, LANA_PT_IPV6, NULL, "fe80::1");
	lana_value_format_json(&v, &b);
	assert_string_equal(b.data, "\"fe80::1\"");
	b.len = 0;
	v = ok(f, LANA_PT_PREFIX, NULL, "10.0.0.0/8");
	lana_value_format_json(&v, &b);
	assert_string_equal(b.data, "\"10.0.0.0/8\"");
	b.len = 0;
	v = ok(f, LANA_PT_MAC, NULL, "00:11:22:33:44:55");
	lana_value_format_json(&v, &b);
	assert_string_equal(b.data, "\"00:11:22:33:44:55\"");
	b.len = 0;
	fl = ok(f, LANA_PT_FILTER, NULL, "ip");
	lana_value_format_json(&fl, &b);
	{
		char want[64];

		snprintf(want, sizeof(want), "{\"expr\": \"ip\", \"insns\": %u}",
			 fl.filter.n);
		assert_string_equal(b.data, want);
	}
	lana_buf_free(&b);
}

static void test_equal(void **state)
{
	struct fixture *f = *state;
	struct lana_value a = ok(f, LANA_PT_U16, NULL, "5");
	struct lana_value b = ok(f, LANA_PT_U32, NULL, "5");
	struct lana_value c = ok(f, LANA_PT_U16, NULL, "0x5");
	struct lana_value d = ok(f, LANA_PT_U16, NULL, "6");
	struct lana_value items1[2], items2[2], l1, l2;

	assert_false(lana_value_equal(&a, &b));	/* type differs */
	assert_true(lana_value_equal(&a, &c));
	assert_false(lana_value_equal(&a, &d));

	a = ok(f, LANA_PT_PREFIX, NULL, "10.0.0.0/8");
	b = ok(f, LANA_PT_PREFIX, NULL, "10.0.0.0/16");
	assert_false(lana_value_equal(&a, &b));
	a = ok(f, LANA_PT_STRING, NULL, "x");
	b = ok(f, LANA_PT_STRING, NULL, "x");
	c = ok(f, LANA_PT_STRING, NULL, "y");
	assert_true(lana_value_equal(&a, &b));
	assert_false(lana_value_equal(&a, &c));
	a = ok(f, LANA_PT_MAC, NULL, "00:00:00:00:00:01");
	b = ok(f, LANA_PT_MAC, NULL, "00:00:00:00:00:02");
	assert_false(lana_value_equal(&a, &b));

	items1[0] = ok(f, LANA_PT_U8, NULL, "1");
	items1[1] = ok(f, LANA_PT_U8, NULL, "2");
	items2[0] = items1[0];
	items2[1] = ok(f, LANA_PT_U8, NULL, "3");
	memset(&l1, 0, sizeof(l1));
	l1.type = LANA_PT_LIST;
	l1.list.elem = LANA_PT_U8;
	l1.list.n = 2;
	l1.list.items = items1;
	l2 = l1;
	assert_true(lana_value_equal(&l1, &l2));
	l2.list.items = items2;
	assert_false(lana_value_equal(&l1, &l2));
	l2.list.items = items1;
	l2.list.n = 1;
	assert_false(lana_value_equal(&l1, &l2));
}

static void test_check_range(void **state)
{
	struct fixture *f = *state;
	struct lana_param lp = { .name = "l", .type = LANA_PT_LIST,
				 .elem = LANA_PT_U8, .flags = LANA_PF_RANGE,
				 .min = 1, .max = 2 };
	struct lana_value items[3], l;

	memset(&l, 0, sizeof(l));
	l.type = LANA_PT_LIST;
	l.list.elem = LANA_PT_U8;
	l.list.items = items;
	l.list.n = 2;
	assert_int_equal(lana_value_check_range(&lp, &l, f->err,
						sizeof(f->err)), 0);
	l.list.n = 3;
	assert_int_equal(lana_value_check_range(&lp, &l, f->err,
						sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "3 items"));
	l.list.n = 0;
	assert_int_equal(lana_value_check_range(&lp, &l, f->err,
						sizeof(f->err)), -1);
	/* no LANA_PF_RANGE, no check */
	lp.flags = 0;
	assert_int_equal(lana_value_check_range(&lp, &l, f->err,
						sizeof(f->err)), 0);
}

static void test_compat_as_uint(void **state)
{
	struct fixture *f = *state;
	struct lana_value v;

	assert_true(lana_value_type_compatible(LANA_PT_U8, LANA_PT_U8));
	assert_true(lana_value_type_compatible(LANA_PT_U8, LANA_PT_U64));
	assert_true(lana_value_type_compatible(LANA_PT_U64, LANA_PT_U8));
	assert_true(lana_value_type_compatible(LANA_PT_U32, LANA_PT_I64));
	assert_true(lana_value_type_compatible(LANA_PT_STRING, LANA_PT_IPV6));
	assert_true(lana_value_type_compatible(LANA_PT_STRING, LANA_PT_FILTER));
	assert_false(lana_value_type_compatible(LANA_PT_STRING, LANA_PT_U8));
	assert_false(lana_value_type_compatible(LANA_PT_MAC, LANA_PT_IPV4));
	assert_false(lana_value_type_compatible(LANA_PT_U32, LANA_PT_SIZE));
	assert_false(lana_value_type_compatible(LANA_PT_BOOL, LANA_PT_U8));

	assert_int_equal(lana_value_as_uint(&(struct lana_value){
		.type = LANA_PT_U8, .u = 3 }), 3);
	v = ok(f, LANA_PT_SIZE, NULL, "2KiB");
	assert_int_equal(lana_value_as_uint(&v), 2048);
	v = ok(f, LANA_PT_I64, NULL, "-5");
	assert_int_equal(lana_value_as_uint(&v), 0);
	v = ok(f, LANA_PT_I64, NULL, "5");
	assert_int_equal(lana_value_as_uint(&v), 5);
	v = ok(f, LANA_PT_STRING, NULL, "12");
	assert_int_equal(lana_value_as_uint(&v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_int_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_roundtrip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_format_list_json, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_range, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compat_as_uint, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
