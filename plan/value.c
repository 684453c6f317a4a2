// SPDX-License-Identifier: GPL-2.0
/*
 * plan/value.c - typed parameter values: parse, range check, compare and
 * format (see value.h).
 *
 * Numbers with units are parsed exactly with integer arithmetic (a decimal
 * fraction is accepted only when the result is a whole number of the base
 * unit), addresses with glibc's inet_pton()/inet_ntop(), and packet filters
 * with libpcap's pcap_compile() (pcap-filter(7) syntax, classic BPF for
 * DLT_EN10MB).
 */
#include "value.h"
#include "bpf_check.h"
#include "blocks/catalogue.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define FRAC_DIGITS_MAX 19	/* 10^19 still fits a uint64_t */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ------------------------------------------------------------ integers */

/*
 * parse_uint() - the whole of @s as a decimal or 0x-hexadecimal unsigned
 * integer. Returns 0, -1 when @s is not such a number, -2 on overflow.
 */
static int parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	bool ovf = false;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		if (!*s)
			return -1;
		for (; *s; s++) {
			d = hex_val(*s);
			if (d < 0)
				return -1;
			if (v >> 60)
				ovf = true;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		if (!is_digit(*s))
			return -1;
		for (; *s; s++) {
			if (!is_digit(*s))
				return -1;
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
				ovf = true;
		}
	}
	*out = v;
	return ovf ? -2 : 0;
}

static int parse_int(unsigned int type, const char *text,
		     struct lana_value *out, char *err, size_t errlen)
{
	const char *tn = lana_ptype_name(type);
	bool neg = type == LANA_PT_I64 && text[0] == '-';
	uint64_t v, max;
	int r;

	r = parse_uint(text + neg, &v);
	if (r == -1)
		return fail(err, errlen, "expected %s integer, got '%s'",
			    type == LANA_PT_I64 ? "signed" : "unsigned", text);
	if (type == LANA_PT_I64) {
		max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		if (r == -2 || v > max)
			return fail(err, errlen,
				    "value %s does not fit i64 (%" PRId64 "..%" PRId64 ")",
				    text, INT64_MIN, INT64_MAX);
		out->i = neg ? (int64_t)(0 - v) : (int64_t)v;
		return 0;
	}
	max = lana_ptype_int_max(type);	/* type is unsigned here */
	if (r == -2 || v > max)
		return fail(err, errlen, "value %s does not fit %s (0..%" PRIu64 ")",
			    text, tn, max);
	out->u = v;
	return 0;
}

/* ------------------------------------------------------ numbers + units */

struct unit {
	const char *name;
	uint64_t mult;
};

/*
 * Sizes and rates are spelled the way tc(8) spells them (iproute2, man
 * page tc(8), section PARAMETERS: RATES and SIZES), case-insensitively as
 * tc compares them (strcasecmp). tc(8) does not say whether the size
 * prefixes are 1000 or 1024: iproute2's get_size() (lib/utils_math.c)
 * multiplies k/kb by 1024, m/mb by 1024^2, g/gb by 1024^3, and kbit,
 * mbit, gbit by 1024/8, 1024^2/8, 1024^3/8; so do we. KiB, MiB, GiB are
 * LANA's own unambiguous spellings, kept.
 */
static const struct unit size_units[] = {
	{ "b", 1 },
	{ "k", 1ULL << 10 },
	{ "kb", 1ULL << 10 },
	{ "kib", 1ULL << 10 },
	{ "m", 1ULL << 20 },
	{ "mb", 1ULL << 20 },
	{ "mib", 1ULL << 20 },
	{ "g", 1ULL << 30 },
	{ "gb", 1ULL << 30 },
	{ "gib", 1ULL << 30 },
	{ "kbit", (1ULL << 10) / 8 },
	{ "mbit", (1ULL << 20) / 8 },
	{ "gbit", (1ULL << 30) / 8 },
	{ NULL, 0 }
};

/*
 * Rates in bit/s, tc(8) RATES: bit (or a bare number), kbit, mbit, gbit,
 * tbit are SI bits per second; bps, kbps, mbps, gbps, tbps are bytes per
 * second (8 bits); "replace the SI prefix (k-, m-, g-, t-) with IEC prefix
 * (ki-, mi-, gi- and ti-)" for powers of 1024 (iproute2's table in
 * lib/utils_math.c: Kibit, ..., TiBps).
 */
#define K10 1000ULL
#define K2 1024ULL
static const struct unit rate_units[] = {
	{ "bit", 1 },
	{ "kbit", K10 },
	{ "mbit", K10 * K10 },
	{ "gbit", K10 * K10 * K10 },
	{ "tbit", K10 * K10 * K10 * K10 },
	{ "kibit", K2 },
	{ "mibit", K2 * K2 },
	{ "gibit", K2 * K2 * K2 },
	{ "tibit", K2 * K2 * K2 * K2 },
	{ "bps", 8 },
	{ "kbps", 8 * K10 },
	{ "mbps", 8 * K10 * K10 },
	{ "gbps", 8 * K10 * K10 * K10 },
	{ "tbps", 8 * K10 * K10 * K10 * K10 },
	{ "kibps", 8 * K2 },
	{ "mibps", 8 * K2 * K2 },
	{ "gibps", 8 * K2 * K2 * K2 },
	{ "tibps", 8 * K2 * K2 * K2 * K2 },
	{ NULL, 0 }
};

static const struct unit duration_units[] = {
	{ "ns", 1 },
	{ "us", 1000ULL },
	{ "ms", 1000000ULL },
	{ "s", 1000000000ULL },
	{ NULL, 0 }
};

/* Units used when formatting: largest first; the last one always divides. */
static const struct unit size_fmt[] = {
	{ "GiB", 1ULL << 30 }, { "MiB", 1ULL << 20 }, { "KiB", 1ULL << 10 },
	{ "B", 1 }, { NULL, 0 }
};

static const struct unit rate_fmt[] = {
	{ "tbit", K10 * K10 * K10 * K10 }, { "gbit", K10 * K10 * K10 },
	{ "mbit", K10 * K10 }, { "kbit", K10 }, { "", 1 }, { NULL, 0 }
};

static const struct unit duration_fmt[] = {
	{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL },
	{ "ns", 1 }, { NULL, 0 }
};

/*
 * struct decimal - "123.450" as ip = 123, frac = 45, fdigits = 2 (trailing
 * zeros of the fraction dropped).
 */
struct decimal {
	uint64_t ip;
	uint64_t frac;
	unsigned int fdigits;
	bool ovf;		/* integer part overflowed */
	bool long_frac;		/* more than FRAC_DIGITS_MAX significant digits */
};

/*
 * parse_decimal() - digits ['.' digits] at @s. Returns the position after
 * the number, or NULL if @s does not start with one.
 */
static const char *parse_decimal(const char *s, struct decimal *d)
{
	const char *fs, *fe;

	memset(d, 0, sizeof(*d));
	if (!is_digit(*s))
		return NULL;
	for (; is_digit(*s); s++) {
		if (__builtin_mul_overflow(d->ip, 10, &d->ip) ||
		    __builtin_add_overflow(d->ip, (uint64_t)(*s - '0'), &d->ip))
			d->ovf = true;
	}
	if (*s != '.')
		return s;
	if (!is_digit(s[1]))
		return NULL;
	fs = ++s;
	while (is_digit(*s))
		s++;
	fe = s;
	while (fe > fs && fe[-1] == '0')
		fe--;
	if (fe - fs > FRAC_DIGITS_MAX) {
		d->long_frac = true;
		return s;
	}
	for (; fs < fe; fs++) {
		d->frac = d->frac * 10 + (uint64_t)(*fs - '0');
		d->fdigits++;
	}
	return s;
}

/*
 * scale() - @d * @mult exactly. Returns 0, -1 when the result is not an
 * integer, -2 on overflow.
 */
static int scale(const struct decimal *d, uint64_t mult, uint64_t *out)
{
	u128 pow = 1, f, v;
	unsigned int i;

	if (d->long_frac)
		return -1;
	if (d->ovf)
		return -2;
	for (i = 0; i < d->fdigits; i++)
		pow *= 10;
	f = (u128)d->frac * mult;
	if (f % pow)
		return -1;
	v = (u128)d->ip * mult + f / pow;
	if (v > UINT64_MAX)
		return -2;
	*out = (uint64_t)v;
	return 0;
}

/* @a equals @b ignoring ASCII case (strcasecmp(3) in the "C" locale). */
static bool ascii_eq_fold(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

/* The unit of @t named @name; @fold: ignore case (tc's strcasecmp). */
static const struct unit *find_unit(const struct unit *t, const char *name,
				    bool fold)
{
	for (; t->name; t++)
		if (fold ? ascii_eq_fold(t->name, name) : !strcmp(t->name, name))
			return t;
	return NULL;
}

/*
 * rate_hint() - for a unit @unit that is no rate unit, a likely meant one:
 * a size's spelling (`mb`, `M`, `KiB`, `b`) gets "did you mean 'mbit'
 * (bits/s) or 'mbps' (bytes/s)?", a rate unit followed by "/s" (`kbit/s`)
 * the unit without it. Writes the hint to @dst and returns true, or false
 * when nothing fits.
 */
static bool rate_hint(const char *unit, char *dst, size_t n)
{
	static const char *const prefixes[] = {
		"", "k", "m", "g", "t", "ki", "mi", "gi", "ti", NULL
	};
	size_t len = strlen(unit), i;
	char pre[4];

	if (len > 2 && !strcmp(unit + len - 2, "/s")) {
		char base[32];

		if (len - 2 >= sizeof(base))
			return false;
		memcpy(base, unit, len - 2);
		base[len - 2] = '\0';
		if (!find_unit(rate_units, base, true))
			return false;
		snprintf(dst, n, "did you mean '%s'?", base);
		return true;
	}
	/* PREFIX, PREFIX "b": a size unit, or the old k/M/G/T prefixes */
	if (len && (unit[len - 1] == 'b' || unit[len - 1] == 'B'))
		len--;
	if (len >= sizeof(pre))
		return false;
	for (i = 0; i < len; i++)
		pre[i] = (char)(unit[i] >= 'A' && unit[i] <= 'Z' ?
				unit[i] - 'A' + 'a' : unit[i]);
	pre[len] = '\0';
	for (i = 0; prefixes[i]; i++)
		if (!strcmp(pre, prefixes[i]))
			break;
	if (!prefixes[i] || !*unit)
		return false;
	snprintf(dst, n, "did you mean '%sbit' (bits/s) or '%sbps' (bytes/s)?",
		 pre, pre);
	return true;
}

bool lana_value_is_unit(const char *word)
{
	return find_unit(rate_units, word, true) ||
	       find_unit(size_units, word, true) ||
	       find_unit(duration_units, word, false);
}

/* A unit suffix is letters and '/'; anything else means "not a number". */
static bool unit_like(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      *s == '/'))
			return false;
	return true;
}

static const char *const type_what[LANA_PT_MAX] = {
	[LANA_PT_BOOL] = "bool (true or false)",
	[LANA_PT_SIZE] = "size (e.g. 1500B, 64KiB, 64k)",
	[LANA_PT_RATE] = "rate (e.g. 10mbit, 1gbit, 100mbps)",
	[LANA_PT_DURATION] = "duration (e.g. 250us, 1.5ms)",
	[LANA_PT_MAC] = "mac address",
	[LANA_PT_IPV4] = "ipv4 address",
	[LANA_PT_IPV6] = "ipv6 address",
	[LANA_PT_PREFIX] = "prefix (address/length)",
};

static int type_error(unsigned int type, const char *text, char *err,
		      size_t errlen)
{
	return fail(err, errlen, "expected %s, got '%s'", type_what[type], text);
}

static int parse_scaled(unsigned int type, const char *text,
			struct lana_value *out, char *err, size_t errlen)
{
	static const char *const base[LANA_PT_MAX] = {
		[LANA_PT_SIZE] = "bytes",
		[LANA_PT_RATE] = "bit/s",
		[LANA_PT_DURATION] = "nanoseconds",
	};
	const struct unit *u = NULL;
	struct decimal d;
	const char *unit;
	uint64_t mult = 1;
	int r;

	unit = parse_decimal(text, &d);
	if (!unit || !unit_like(unit))
		return type_error(type, text, err, errlen);

	switch (type) {
	case LANA_PT_SIZE:
		if (*unit) {
			u = find_unit(size_units, unit, true);
			if (!u && find_unit(rate_units, unit, true))
				return fail(err, errlen,
					    "'%s' in '%s' is a rate unit, not a size unit; sizes take b, k or kb, m or mb, g or gb, KiB, MiB, GiB (1024-based), kbit, mbit or gbit",
					    unit, text);
			if (!u)
				return fail(err, errlen,
					    "unknown size unit '%s' in '%s'; expected b, k or kb, m or mb, g or gb, KiB, MiB, GiB (1024-based), kbit, mbit or gbit",
					    unit, text);
			mult = u->mult;
		}
		break;
	case LANA_PT_RATE:
		if (*unit) {
			char hint[96];

			u = find_unit(rate_units, unit, true);
			if (!u && rate_hint(unit, hint, sizeof(hint)))
				return fail(err, errlen,
					    "'%s' in '%s' is not a rate unit: %s",
					    unit, text, hint);
			if (!u)
				return fail(err, errlen,
					    "unknown rate unit '%s' in '%s'; expected bit, kbit, mbit, gbit, tbit (bits/s) or bps, kbps, mbps, gbps, tbps (bytes/s), or with an IEC prefix (kibit, kibps, ...)",
					    unit, text);
			mult = u->mult;
		}
		break;
	case LANA_PT_DURATION:
		if (!*unit) {
			if (d.ip || d.frac || d.ovf || d.long_frac)
				return fail(err, errlen,
					    "duration '%s' needs a unit (ns, us, ms or s)",
					    text);
			break;
		}
		u = find_unit(duration_units, unit, false);
		if (!u)
			return fail(err, errlen,
				    "unknown duration unit '%s' in '%s'; expected ns, us, ms or s",
				    unit, text);
		mult = u->mult;
		break;
	}

	r = scale(&d, mult, &out->u);
	if (r == -1)
		return fail(err, errlen, "%s %s is not a whole number of %s",
			    lana_ptype_name(type), text, base[type]);
	if (r == -2)
		return fail(err, errlen, "%s %s is too large (at most %" PRIu64 " %s)",
			    lana_ptype_name(type), text, UINT64_MAX, base[type]);
	return 0;
}

/* fmt_scaled() - @v with the largest unit of @t that divides it exactly. */
static void fmt_scaled(char *dst, size_t n, uint64_t v, const struct unit *t)
{
	if (v) {
		for (; t[1].name; t++)
			if (v % t->mult == 0)
				break;
	} else {
		while (t[1].name)
			t++;	/* 0B, 0, 0ns */
	}
	snprintf(dst, n, "%" PRIu64 "%s", v / t->mult, t->name);
}

static const struct unit *fmt_table(unsigned int type)
{
	switch (type) {
	case LANA_PT_SIZE:
		return size_fmt;
	case LANA_PT_RATE:
		return rate_fmt;
	case LANA_PT_DURATION:
		return duration_fmt;
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------ addresses */

static int parse_mac(const char *text, uint8_t mac[6])
{
	const char *s = text;
	char sep = 0;
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = hex_val(s[0]);
		lo = hi < 0 ? -1 : hex_val(s[1]);
		if (lo < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == 5)
			break;
		if (!sep && (*s == ':' || *s == '-'))
			sep = *s;
		if (*s != sep)
			return -1;
		s++;
	}
	return *s ? -1 : 0;
}

static int parse_addr(unsigned int type, const char *text,
		      struct lana_value *out)
{
	memset(&out->ip, 0, sizeof(out->ip));
	if (type != LANA_PT_IPV6 && inet_pton(AF_INET, text, out->ip.addr) == 1) {
		out->ip.family = 4;
		out->ip.plen = 32;
		return 0;
	}
	if (type != LANA_PT_IPV4 && inet_pton(AF_INET6, text, out->ip.addr) == 1) {
		out->ip.family = 6;
		out->ip.plen = 128;
		return 0;
	}
	return -1;
}

static void addr_str(const struct lana_value *v, char *dst, size_t n)
{
	if (!inet_ntop(v->ip.family == 4 ? AF_INET : AF_INET6, v->ip.addr, dst,
		       (socklen_t)n))
		snprintf(dst, n, "?");
}

static int parse_prefix(const char *text, struct lana_value *out, char *err,
			size_t errlen)
{
	const char *slash = strrchr(text, '/');
	char addr[INET6_ADDRSTRLEN + 1], buf[INET6_ADDRSTRLEN];
	struct lana_value masked;
	size_t alen;
	uint64_t len;
	unsigned int maxlen, i;

	if (!slash)
		return type_error(LANA_PT_PREFIX, text, err, errlen);
	alen = (size_t)(slash - text);
	if (alen >= sizeof(addr))
		return type_error(LANA_PT_PREFIX, text, err, errlen);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (parse_addr(LANA_PT_PREFIX, addr, out))
		return type_error(LANA_PT_PREFIX, text, err, errlen);
	maxlen = out->ip.family == 4 ? 32 : 128;
	for (i = 1; slash[i]; i++)
		if (!is_digit(slash[i]))
			return type_error(LANA_PT_PREFIX, text, err, errlen);
	if (i == 1)
		return type_error(LANA_PT_PREFIX, text, err, errlen);
	if (i > 4 || parse_uint(slash + 1, &len) || len > maxlen)
		return fail(err, errlen, "prefix length %s out of range 0..%u in '%s'",
			    slash + 1, maxlen, text);
	out->ip.plen = (uint8_t)len;

	masked = *out;
	for (i = 0; i < 16; i++) {
		unsigned int bits = i * 8 >= len ? 0 :
				    (len - i * 8 >= 8 ? 8 : (unsigned int)len - i * 8);

		masked.ip.addr[i] &= (uint8_t)(0xff00 >> bits);
	}
	if (memcmp(masked.ip.addr, out->ip.addr, sizeof(out->ip.addr))) {
		addr_str(&masked, buf, sizeof(buf));
		return fail(err, errlen,
			    "prefix %s has host bits set; did you mean %s/%u?",
			    text, buf, (unsigned int)len);
	}
	return 0;
}

/* -------------------------------------------------------------- filters */

/*
 * Compiled filters are cached by expression text: a large graph repeats the
 * same few expressions, and pcap_compile() dominates the cost of checking.
 * The cache lives for the whole process in static storage (reachable, so
 * LeakSanitizer does not report it); values point into it. Not thread-safe,
 * like pcap_compile() in older libpcap.
 */
struct filter_prog {
	uint32_t n;
	struct lana_bpf_insn *insns;
};

static struct {
	pcap_t *pd;
	struct lana_arena arena;
	struct lana_map map;	/* expression -> index into progs */
	VEC(struct filter_prog) progs;
} fcache;

static int parse_filter(struct lana_arena *a, const char *text,
			struct lana_value *out, char *err, size_t errlen)
{
	struct bpf_program prog;
	struct filter_prog fp;
	const char *key;
	char msg[200];
	uint32_t idx, i;

	if (!lana_map_get(&fcache.map, text, &idx)) {
		if (!fcache.pd) {
			fcache.pd = pcap_open_dead(DLT_EN10MB, 65535);
			if (!fcache.pd)
				return fail(err, errlen,
					    "cannot compile filters: pcap_open_dead failed");
		}
		if (pcap_compile(fcache.pd, &prog, text, 1,
				 PCAP_NETMASK_UNKNOWN) < 0)
			return fail(err, errlen, "%s", pcap_geterr(fcache.pd));
		fp.n = prog.bf_len;
		fp.insns = lana_arena_alloc(&fcache.arena,
					    (size_t)fp.n * sizeof(*fp.insns));
		for (i = 0; i < fp.n; i++) {
			fp.insns[i].code = prog.bf_insns[i].code;
			fp.insns[i].jt = prog.bf_insns[i].jt;
			fp.insns[i].jf = prog.bf_insns[i].jf;
			fp.insns[i].k = prog.bf_insns[i].k;
		}
		pcap_freecode(&prog);
		/* e.g. "ip6 protochain": libpcap jumps backwards there */
		if (lana_bpf_check(fp.insns, fp.n, msg, sizeof(msg)))
			return fail(err, errlen,
				    "the program compiled from this expression runs in no LANA engine: %s",
				    msg);
		idx = fcache.progs.n;
		VEC_PUSH(&fcache.progs, fp);
		key = lana_arena_strdup(&fcache.arena, text);
		lana_map_put(&fcache.map, key, idx, NULL);
	}
	out->filter.expr = lana_arena_strdup(a, text);
	out->filter.n = fcache.progs.v[idx].n;
	out->filter.insns = fcache.progs.v[idx].insns;
	return 0;
}

/* ---------------------------------------------------------------- parse */

static int parse_bool(const char *text, bool *b)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(text, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcmp(text, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

static int parse_enum(const struct lana_param *p, const char *text,
		      struct lana_value *out, char *err, size_t errlen)
{
	struct lana_buf b = { 0 };
	size_t i;

	if (!p || !p->symbols)
		return fail(err, errlen, "unknown value '%s': no symbols declared",
			    text);
	for (i = 0; p->symbols[i]; i++) {
		if (!strcmp(p->symbols[i], text)) {
			out->str = p->symbols[i];
			return 0;
		}
	}
	for (i = 0; p->symbols[i]; i++)
		lana_buf_printf(&b, "%s%s", i ? ", " : "", p->symbols[i]);
	fail(err, errlen, "unknown value '%s' for '%s'; expected one of: %s",
	     text, p->name ? p->name : "?", b.data ? b.data : "");
	lana_buf_free(&b);
	return -1;
}

int lana_value_parse(struct lana_arena *a, unsigned int type,
		     const struct lana_param *p, const char *text,
		     struct lana_value *out, char *err, size_t errlen)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->type = (uint8_t)type;
	if (!text)
		text = "";
	switch (type) {
	case LANA_PT_BOOL:
		if (parse_bool(text, &out->b))
			r = type_error(type, text, err, errlen);
		break;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
	case LANA_PT_I64:
		r = parse_int(type, text, out, err, errlen);
		break;
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		r = parse_scaled(type, text, out, err, errlen);
		break;
	case LANA_PT_STRING:
		out->str = lana_arena_strdup(a, text);
		break;
	case LANA_PT_MAC:
		if (parse_mac(text, out->mac))
			r = type_error(type, text, err, errlen);
		break;
	case LANA_PT_IPV4:
	case LANA_PT_IPV6:
		if (parse_addr(type, text, out))
			r = type_error(type, text, err, errlen);
		break;
	case LANA_PT_PREFIX:
		r = parse_prefix(text, out, err, errlen);
		break;
	case LANA_PT_ENUM:
		r = parse_enum(p, text, out, err, errlen);
		break;
	case LANA_PT_FILTER:
		r = parse_filter(a, text, out, err, errlen);
		break;
	case LANA_PT_LIST:
		r = fail(err, errlen, "a list value must be written as [a, b, ...]");
		break;
	default:
		r = fail(err, errlen, "unknown value type %u", type);
		break;
	}
	if (r)
		return r;
	if (p && (p->flags & LANA_PF_RANGE))
		return lana_value_check_range(p, out, err, errlen);
	return 0;
}

/* ---------------------------------------------------------------- range */

int lana_value_check_range(const struct lana_param *p,
			   const struct lana_value *v, char *err,
			   size_t errlen)
{
	const struct unit *t;
	char sv[48], smin[48], smax[48];
	uint64_t len;

	if (!p || !(p->flags & LANA_PF_RANGE))
		return 0;
	switch (v->type) {
	case LANA_PT_I64:
		if (v->i < p->min || (v->i >= 0 && (uint64_t)v->i > p->max))
			return fail(err, errlen,
				    "value %" PRId64 " out of range %" PRId64 "..%" PRIu64,
				    v->i, p->min, p->max);
		return 0;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		if ((p->min > 0 && v->u < (uint64_t)p->min) || v->u > p->max) {
			t = fmt_table(v->type);
			if (!t)
				return fail(err, errlen,
					    "value %" PRIu64 " out of range %" PRId64 "..%" PRIu64,
					    v->u, p->min, p->max);
			fmt_scaled(sv, sizeof(sv), v->u, t);
			fmt_scaled(smin, sizeof(smin),
				   p->min > 0 ? (uint64_t)p->min : 0, t);
			fmt_scaled(smax, sizeof(smax), p->max, t);
			return fail(err, errlen, "value %s out of range %s..%s",
				    sv, smin, smax);
		}
		return 0;
	case LANA_PT_STRING:
		len = v->str ? strlen(v->str) : 0;
		if ((p->min > 0 && len < (uint64_t)p->min) || len > p->max)
			return fail(err, errlen,
				    "string '%s' has length %" PRIu64 ", out of range %" PRId64 "..%" PRIu64,
				    v->str ? v->str : "", len, p->min, p->max);
		return 0;
	case LANA_PT_LIST:
		len = v->list.n;
		if ((p->min > 0 && len < (uint64_t)p->min) || len > p->max)
			return fail(err, errlen,
				    "list has %" PRIu64 " items, out of range %" PRId64 "..%" PRIu64,
				    len, p->min, p->max);
		return 0;
	default:
		return 0;
	}
}

/* --------------------------------------------------------------- format */

/* put_quoted() - @s as a .lana string literal (escapes \" \\ \n \t \r \xHH). */
static void put_quoted(struct lana_buf *b, const char *s)
{
	lana_buf_put_quoted(b, s, false);
}

static void put_mac(struct lana_buf *b, const uint8_t *m)
{
	lana_buf_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x",
			m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* addr_text() - address or prefix without quotes. */
static void addr_text(const struct lana_value *v, char *dst, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(v, a, sizeof(a));
	if (v->type == LANA_PT_PREFIX)
		snprintf(dst, n, "%s/%u", a, v->ip.plen);
	else
		snprintf(dst, n, "%s", a);
}

void lana_value_format(const struct lana_value *v, struct lana_buf *b)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	uint32_t i;

	switch (v->type) {
	case LANA_PT_BOOL:
		lana_buf_puts(b, v->b ? "true" : "false");
		break;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
		lana_buf_printf(b, "%" PRIu64, v->u);
		break;
	case LANA_PT_I64:
		lana_buf_printf(b, "%" PRId64, v->i);
		break;
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		fmt_scaled(tmp, sizeof(tmp), v->u, fmt_table(v->type));
		lana_buf_puts(b, tmp);
		break;
	case LANA_PT_STRING:
		put_quoted(b, v->str);
		break;
	case LANA_PT_ENUM:
		lana_buf_puts(b, v->str ? v->str : "");
		break;
	case LANA_PT_MAC:
		put_mac(b, v->mac);
		break;
	case LANA_PT_IPV4:
	case LANA_PT_IPV6:
	case LANA_PT_PREFIX:
		addr_text(v, tmp, sizeof(tmp));
		if (v->ip.family == 6)
			put_quoted(b, tmp);	/* IPv6 is written as a string */
		else
			lana_buf_puts(b, tmp);
		break;
	case LANA_PT_LIST:
		lana_buf_putc(b, '[');
		for (i = 0; i < v->list.n; i++) {
			if (i)
				lana_buf_puts(b, ", ");
			lana_value_format(&v->list.items[i], b);
		}
		lana_buf_putc(b, ']');
		break;
	case LANA_PT_FILTER:
		put_quoted(b, v->filter.expr);
		break;
	default:
		lana_buf_puts(b, "?");
		break;
	}
}

void lana_value_format_json(const struct lana_value *v, struct lana_buf *b)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	uint32_t i;

	switch (v->type) {
	case LANA_PT_BOOL:
		lana_buf_puts(b, v->b ? "true" : "false");
		break;
	case LANA_PT_U8:
	case LANA_PT_U16:
	case LANA_PT_U32:
	case LANA_PT_U64:
	case LANA_PT_SIZE:
	case LANA_PT_RATE:
	case LANA_PT_DURATION:
		lana_buf_printf(b, "%" PRIu64, v->u);
		break;
	case LANA_PT_I64:
		lana_buf_printf(b, "%" PRId64, v->i);
		break;
	case LANA_PT_STRING:
	case LANA_PT_ENUM:
		lana_buf_put_json_str(b, v->str ? v->str : "");
		break;
	case LANA_PT_MAC:
		lana_buf_putc(b, '"');
		put_mac(b, v->mac);
		lana_buf_putc(b, '"');
		break;
	case LANA_PT_IPV4:
	case LANA_PT_IPV6:
	case LANA_PT_PREFIX:
		addr_text(v, tmp, sizeof(tmp));
		lana_buf_put_json_str(b, tmp);
		break;
	case LANA_PT_LIST:
		lana_buf_putc(b, '[');
		for (i = 0; i < v->list.n; i++) {
			if (i)
				lana_buf_puts(b, ", ");
			lana_value_format_json(&v->list.items[i], b);
		}
		lana_buf_putc(b, ']');
		break;
	case LANA_PT_FILTER:
		lana_buf_puts(b, "{\"expr\": ");
		lana_buf_put_json_str(b, v->filter.expr ? v->filter.expr : "");
		lana_buf_printf(b, ", \"insns\": %" PRIu32 "}", v->filter.n);
		break;
	default:
		lana_buf_puts(b, "null");
		break;
	}
}
