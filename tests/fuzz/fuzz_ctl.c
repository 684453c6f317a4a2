// SPDX-License-Identifier: GPL-2.0
/*
 * tests/fuzz/fuzz_ctl.c - libFuzzer target for lanad's request decoder and
 * dispatcher (lana_ctl_handle() in daemon/dispatch.c), with a real engine
 * whose graph starts empty.
 *
 * Build: scripts/fuzz.sh does it (B is a configured build directory whose
 * libraries were built with the same sanitizers, e.g. configure CC=clang
 * CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined"):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -I. -I$B -I/usr/include/libnl3 tests/fuzz/fuzz_ctl.c \
 *     $(make -s -C $B print-libs) -o fuzz_ctl
 * Run for 60 s:
 *   mkdir -p corpus && ./fuzz_ctl -max_total_time=60 corpus
 *
 * An input is a sequence of datagrams, each prefixed by its length as a
 * little-endian u16 (so that the fuzzer can build BEGIN/DATA/COMMIT
 * sequences); 0xffff stands for an oversized datagram. Each datagram is dispatched as if received from one client
 * socket of a fresh dispatcher (transaction ids start at 1); the
 * replies are read back and checked to be well-formed
 * netlink messages. After the input the client is dropped (its open
 * transactions aborted) and the graph is flushed, so inputs are
 * independent. The dispatcher must never crash, leak, or answer with a
 * malformed message.
 */
#include "daemon/dispatch.h"
#include "runtime/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lana_engine *eng;
static struct lana_ctl_server *srv;
static int sv[2];
static char rbuf[LANA_MSG_MAX];

static void quiet(int level, const char *msg)
{
}

static void setup(void)
{
	struct lana_engine_opts eo = { .workers = 1, .log = quiet };
	int big = 4 << 20;

	eng = lana_engine_new(&eo);
	if (!eng || lana_engine_start(eng))
		abort();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		abort();
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	/* never block on a full socket: a failed reply is an error path */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
}

/* Read every reply and check its framing. */
static void drain(void)
{
	ssize_t n;

	while ((n = recv(sv[0], rbuf, sizeof(rbuf), MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)rbuf;

		if (n < (ssize_t)NLMSG_HDRLEN || h->nlmsg_len != (uint32_t)n)
			abort();
		if (h->nlmsg_type == NLMSG_ERROR &&
		    n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dgram[LANA_MSG_MAX];
	char err[256];

	if (!eng)
		setup();
	/* a fresh dispatcher per input: transaction ids start at 1 */
	srv = lana_ctl_server_new(eng, quiet);
	while (size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		bool oversized = len == 0xffff;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		memset(dgram, 0, 16);
		memcpy(dgram, data, len);
		/* length 0xffff stands for a datagram recv() had to truncate */
		if (oversized)
			lana_ctl_handle(srv, sv[1], dgram, LANA_MSG_MAX + 100,
					LANA_MSG_MAX);
		else
			lana_ctl_handle(srv, sv[1], dgram, len, LANA_MSG_MAX);
		drain();
		/* what the socket did not take: queued replies, a dump */
		while ((lana_ctl_client_events(srv, sv[1]) & POLLOUT) &&
		       !lana_ctl_client_write(srv, sv[1]))
			drain();
		data += len;
		size -= len;
	}
	lana_ctl_client_gone(srv, sv[1]);
	lana_ctl_server_free(srv);
	srv = NULL;
	lana_engine_flush(eng, err, sizeof(err));
	return 0;
}
