// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/test_udp_addr.c - UDP endpoint addresses as text
 * (lib/udp_addr.c: lana_udp_addr_parse(), lana_udp_addr_str()), the one
 * parser of vxlan's and udp's `local`/`remote` on both engines. Expected
 * bytes are written out by hand from the dotted/colon notation (RFC 4291
 * sec. 2.2 for IPv6 text, RFC 5952 sec. 4 for its canonical form).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "blocks/lana_block.h"

#include <errno.h>
#include <string.h>

static void expect(const char *s, uint16_t defport, uint8_t family,
		   uint16_t port, const uint8_t *addr)
{
	struct lana_udp_addr a;

	assert_int_equal(lana_udp_addr_parse(s, defport, &a), 0);
	assert_int_equal(a.family, family);
	assert_int_equal(a.port, port);
	assert_memory_equal(a.addr, addr, family == 4 ? 4 : 16);
}

static void test_parse_good(void **state)
{
	static const uint8_t v4[4] = { 10, 79, 0, 1 };
	static const uint8_t ll1[16] = { 0xfe, 0x80, [15] = 0x01 };
	static const uint8_t fd2[16] = { 0xfd, 0x79, [15] = 0x02 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff,
					    [12] = 1, 2, 3, 4 };
	/* fe80::1:80 is an address with 80 as its last group, no port */
	static const uint8_t ll80[16] = { 0xfe, 0x80, [13] = 0x01,
					  [15] = 0x80 };
	static const uint8_t any6[16] = { 0 };

	(void)state;
	expect("10.79.0.1", 4789, 4, 4789, v4);
	expect("10.79.0.1:8472", 4789, 4, 8472, v4);
	expect("10.79.0.1:65535", 0, 4, 65535, v4);
	expect("10.79.0.1:1", 0, 4, 1, v4);
	expect("[fe80::1]:80", 0, 6, 80, ll1);
	expect("[fe80::1]", 7, 6, 7, ll1);
	expect("fd79::2", 4789, 6, 4789, fd2);
	expect("::ffff:1.2.3.4", 0, 6, 0, mapped);
	expect("fe80::1:80", 9, 6, 9, ll80);
	expect("::", 0, 6, 0, any6);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "10.79.0.256", "10.79.0", "10.79.0.1.2", "10.79.0.1:",
		"10.79.0.1:0", "10.79.0.1:65536", "10.79.0.1:+80",
		"10.79.0.1:80x", "10.79.0.1: 80", " 10.79.0.1", "[fe80::1",
		"[fe80::1]80", "[fe80::1]:", "[10.79.0.1]:x", "fe80:::1",
		"host.example", "10.79.0.1/24",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc",
	};
	struct lana_udp_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.family = 9;
		if (lana_udp_addr_parse(bad[i], 4789, &a) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(a.family, 0);	/* cleared, not half-set */
	}
}

static void test_str(void **state)
{
	struct lana_udp_addr a = { .family = 4, .port = 4789,
				   .addr = { 10, 79, 0, 1 } };
	char buf[64];

	(void)state;
	assert_string_equal(lana_udp_addr_str(&a, true, buf, sizeof(buf)),
			    "10.79.0.1:4789");
	assert_string_equal(lana_udp_addr_str(&a, false, buf, sizeof(buf)),
			    "10.79.0.1");
	/* 2001:db8:0:0:1:0:0:1: two equal runs of zeros, the first is
	 * shortened (RFC 5952 sec. 4.2.3), no leading zeros (4.1) */
	a = (struct lana_udp_addr){ .family = 6, .port = 80,
				    .addr = { 0x20, 0x01, 0x0d, 0xb8,
					      [9] = 1, [15] = 1 } };
	assert_string_equal(lana_udp_addr_str(&a, true, buf, sizeof(buf)),
			    "[2001:db8::1:0:0:1]:80");
	assert_string_equal(lana_udp_addr_str(&a, false, buf, sizeof(buf)),
			    "2001:db8::1:0:0:1");
	/* cut to the buffer, NUL-terminated */
	assert_string_equal(lana_udp_addr_str(&a, true, buf, 6), "[2001");
}

/* What one prints the other reads back: every form the blocks show. */
static void test_roundtrip(void **state)
{
	static const char *const in[] = { "10.79.0.1:4789", "[fd79::2]:1",
					  "[::ffff:1.2.3.4]:65535" };
	struct lana_udp_addr a, b;
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(lana_udp_addr_parse(in[i], 0, &a), 0);
		assert_string_equal(lana_udp_addr_str(&a, true, buf,
						      sizeof(buf)), in[i]);
		assert_int_equal(lana_udp_addr_parse(buf, 0, &b), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
