// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/lanad.c - the LANA userspace engine daemon (see lanad(8)).
 *
 * Creates the engine (runtime/engine.h), then serves the control protocol
 * (proto/proto.h) on a Unix SOCK_SEQPACKET socket in the main (control)
 * thread with poll(2); the request dispatcher is lana_ctl_handle() in
 * daemon/dispatch.c. Signals are taken synchronously with signalfd(2), so the
 * worker threads (which inherit the blocked mask) never see them.
 */
#include "dispatch.h"
#include "runtime/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#define LANA_PCAP_DIR	"/var/lib/lana/pcap"	/* --pcap-dir default */

static struct {
	bool syslog;
	int verbose;
} g;

static void vlog_msg(int level, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug",
	};

	if (level == LOG_DEBUG && g.verbose < 2)
		return;
	if (level == LOG_INFO && g.verbose < 1 && !g.syslog)
		return;
	if (g.syslog) {
		vsyslog(level, fmt, ap);
		return;
	}
	fprintf(stderr, "lanad: %s: ", names[level & 7]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_msg(level, fmt, ap);
	va_end(ap);
}

/* Log sink for the engine, its blocks and the dispatcher. */
static void log_sink(int level, const char *msg)
{
	log_msg(level, "%s", msg);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: lanad [OPTIONS]\n"
"\n"
"Run the LANA userspace engine and serve its control socket.\n"
"\n"
"Options:\n"
"  -f, --foreground     stay in the foreground (default)\n"
"  -d, --daemon         detach and run in the background (logs to syslog)\n"
"  -w, --workers N      packet worker threads (default: 1); each eth is\n"
"                       spread over all of them (AF_PACKET fanout)\n"
"      --busy-poll      workers never sleep: lowest latency, one busy CPU\n"
"                       per worker (for workers with a core of their own)\n"
"  -s, --socket PATH    control socket (default: $LANA_SOCKET or %s)\n"
"      --pcap-dir DIR   pcap_in and pcap_out open files only inside DIR;\n"
"                       repeat for more directories (default: %s)\n"
"      --syslog         log to syslog instead of standard error\n"
"  -v, --verbose        log more (repeat for debug messages)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Control plane limits (SIZE in bytes, or with a K, M or G suffix; 0 means\n"
"no limit where marked *):\n"
"      --max-clients N           connections at once; more are refused with\n"
"                                \"too many clients\" (default: %u)\n"
"      --max-txns N              open transactions over all clients, 1..%u\n"
"                                (default: %u)\n"
"      --max-client-txns N       open transactions of one client (default: %u)\n"
"      --max-txn-size SIZE       plan bytes of one transaction (default: %uM)\n"
"      --max-txn-bytes SIZE*     plan bytes of all open transactions\n"
"                                (default: %lluM)\n"
"      --max-client-txn-bytes SIZE*  ... of one client's (default: %lluM)\n"
"      --txn-timeout SECONDS*    abort an open transaction idle this long\n"
"                                (default: %u)\n"
"      --idle-timeout SECONDS*   close a connection idle this long (default: %u)\n"
"      --send-queue SIZE*        replies queued for a client that does not\n"
"                                read them (at least 64K); beyond, it is\n"
"                                disconnected (default: %uM)\n"
"      --send-timeout SECONDS*   ... or when a reply waits this long\n"
"                                (default: %u)\n"
"\n"
"Stop with SIGTERM or SIGINT: the graph is torn down and the socket removed.\n"
"SIGHUP, SIGUSR1, SIGUSR2 and SIGALRM are logged and ignored.\n"
"See lanad(8).\n", LANA_DEFAULT_SOCKET, LANA_PCAP_DIR,
		LANA_CTL_DEF_CLIENTS, LANA_TXN_MAX,
		LANA_CTL_MAX_TXN, LANA_CTL_DEF_CLIENT_TXNS,
		LANA_CTL_DEF_TXN_SIZE >> 20, LANA_CTL_DEF_TXN_BYTES >> 20,
		LANA_CTL_DEF_CLIENT_TXN_BYTES >> 20,
		LANA_CTL_DEF_TXN_IDLE_MS / 1000, LANA_CTL_DEF_IDLE_MS / 1000,
		LANA_CTL_DEF_OUT_BYTES >> 20, LANA_CTL_DEF_OUT_MS / 1000);
}

/* mkdir -p the directory holding @path (mode 0755). */
static int make_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Create the listening socket at @path. A stale socket file (nobody
 * accepting) is replaced; a live one means another lanad runs: -EADDRINUSE.
 * The socket is bound and listening under a temporary name first and then
 * renamed to @path (rename(2) is atomic), so the file never exists without
 * a listener behind it: a client that sees it can connect (no
 * ECONNREFUSED between bind(2) and listen(2)).
 */
static int listen_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[sizeof(sa.sun_path)];
	int fd, probe, r;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	r = make_parent_dir(path);
	if (r)
		return r;
	strcpy(sa.sun_path, path);
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	if (!connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
		close(probe);
		return -EADDRINUSE;
	}
	close(probe);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, tmp);
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (chmod(tmp, 0660) < 0 || listen(fd, 16) < 0 ||
	    rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		close(fd);
		return r;
	}
	return fd;
}

/*
 * Accept every pending connection into @fds (*@n of them, room for @cap);
 * beyond the limit each is refused with "too many clients"
 * (lana_ctl_client_add()).
 */
static void accept_clients(struct lana_ctl_server *srv, int lfd, int *fds,
			   unsigned int *n, unsigned int cap)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_msg(LOG_WARNING, "accept: %s",
					strerror(errno));
			return;
		}
		if (lana_ctl_client_add(srv, fd)) {
			close(fd);
			continue;
		}
		if (*n >= cap) {	/* the dispatcher counts the same: never */
			lana_ctl_client_gone(srv, fd);
			close(fd);
			continue;
		}
		fds[(*n)++] = fd;
	}
}

/* Forget client @fd and close it. */
static void drop_client(struct lana_ctl_server *srv, int fd, int why)
{
	if (why && why != -ECONNRESET && why != -EPIPE && why != -ENOBUFS)
		log_msg(LOG_INFO, "client fd %d dropped: %s", fd,
			strerror(-why));
	lana_ctl_client_gone(srv, fd);
	close(fd);
}

/*
 * Serve until SIGTERM/SIGINT. Returns the exit status. The poll set is
 * rebuilt every round from the dispatcher's wishes (POLLIN, POLLOUT), so
 * that no socket call of the control thread ever blocks.
 */
static int serve(struct lana_engine *e, int lfd, int sfd,
		 const struct lana_ctl_limits *lim)
{
	struct lana_ctl_server *srv = lana_ctl_server_new(e, log_sink);
	struct pollfd *pfd = xcalloc(lim->clients + 2, sizeof(*pfd));
	int *fds = xcalloc(lim->clients, sizeof(*fds));
	unsigned int n = 0, i;
	int rc = 0, fd;

	lana_ctl_server_set_limits(srv, lim);
	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = lfd;
	pfd[1].events = POLLIN;
	for (;;) {
		/* timeouts first: they may drop clients */
		while (lana_ctl_server_expire(srv, &fd) > 0)
			for (i = 0; i < n; i++)
				if (fds[i] == fd) {
					drop_client(srv, fd, 0);
					fds[i] = fds[--n];
					break;
				}
		for (i = 0; i < n; i++) {
			pfd[i + 2].fd = fds[i];
			pfd[i + 2].events = lana_ctl_client_events(srv, fds[i]);
			pfd[i + 2].revents = 0;
		}
		if (poll(pfd, n + 2, lana_ctl_server_timeout(srv)) < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			ssize_t got = read(sfd, &si, sizeof(si));

			if (got == sizeof(si) &&
			    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)) {
				log_msg(LOG_INFO, "%s: shutting down",
					strsignal((int)si.ssi_signo));
				break;
			}
			/* SIGHUP, SIGUSR1, SIGUSR2, SIGALRM: a daemon is not
			 * killed by them (their default action would lose the
			 * graph); there is no configuration to re-read yet */
			if (got == sizeof(si))
				log_msg(LOG_NOTICE, "%s (from pid %u): ignored, the graph stays as it is",
					strsignal((int)si.ssi_signo),
					si.ssi_pid);
		}
		for (i = n; i-- > 0;) {
			short rev = pfd[i + 2].revents;
			int r = 0;

			fd = fds[i];
			if (!rev)
				continue;
			if (rev & POLLOUT)
				r = lana_ctl_client_write(srv, fd);
			if (!r && (rev & POLLIN))
				r = lana_ctl_serve_one(srv, fd);
			else if (!r && (rev & (POLLHUP | POLLERR | POLLNVAL)))
				r = -ECONNRESET;
			if (!r)
				continue;
			drop_client(srv, fd, r);
			fds[i] = fds[--n];
		}
		if (pfd[1].revents & POLLIN)
			accept_clients(srv, lfd, fds, &n, lim->clients);
	}
	for (i = 0; i < n; i++)
		drop_client(srv, fds[i], 0);
	lana_ctl_server_free(srv);
	free(fds);
	free(pfd);
	return rc;
}

/* The integer @s of option --@opt, @lo..@hi; exits 2 when it is not. */
static unsigned long long parse_num(const char *opt, const char *s,
				    unsigned long long lo,
				    unsigned long long hi)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v < lo || v > hi) {
		fprintf(stderr, "lanad: invalid --%s '%s' (%llu..%llu)\n", opt, s,
			lo, hi);
		exit(2);
	}
	return v;
}

/*
 * The size @s of option --@opt: bytes, or with a K, M or G suffix (KiB,
 * MiB, GiB), at most @hi bytes; exits 2 when it is not one.
 */
static unsigned long long parse_size(const char *opt, const char *s,
				     unsigned long long hi)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end && !end[1]) {
		const char *u = strchr("kKmMgG", *end);

		if (u)
			mul = 1ull << (10 * (1 + (u - "kKmMgG") / 2));
		end += !!u;
	}
	if (errno || *end || end == s || *s == '-' || v > hi / mul) {
		fprintf(stderr,
			"lanad: invalid --%s '%s' (bytes, or a number with K, M or G; at most %lluM)\n",
			opt, s, hi >> 20);
		exit(2);
	}
	return v * mul;
}

/* The seconds @s (decimals allowed) of option --@opt, as ms. */
static unsigned int parse_secs(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !(v >= 0 && v <= 86400)) {
		fprintf(stderr, "lanad: invalid --%s '%s' (0..86400 seconds)\n",
			opt, s);
		exit(2);
	}
	return (unsigned int)(v * 1000 + 0.5);
}

/* Free what add_pcap_dir() allocated (after the engine is gone). */
static void free_pcap_dirs(struct lana_engine_opts *eo)
{
	const char **v = (const char **)eo->pcap_dirs;
	size_t n;

	for (n = 0; v && v[n]; n++)
		free((char *)v[n]);
	free(v);
	eo->pcap_dirs = NULL;
}

/*
 * --pcap-dir @dir: append its real path (realpath(3); what pcap paths are
 * matched against, blocks/pcap_file.h) to the NULL-terminated list
 * @eo->pcap_dirs. @dir must be a directory, except the default, which is
 * taken as written when it does not exist (pcap blocks then fail, naming
 * it). Exits with status 2 on a bad @dir.
 */
static void add_pcap_dir(struct lana_engine_opts *eo, const char *dir,
			 bool dflt)
{
	const char **v = (const char **)eo->pcap_dirs;
	char *real = realpath(dir, NULL);
	struct stat st;
	size_t n = 0;

	if (!real && dflt)
		real = strdup(dir);
	if (!real || (!dflt && (stat(real, &st) || !S_ISDIR(st.st_mode)))) {
		fprintf(stderr, "lanad: --pcap-dir %s: %s\n", dir,
			real ? "not a directory" : strerror(errno));
		exit(2);
	}
	while (v && v[n])
		n++;
	v = realloc(v, (n + 2) * sizeof(*v));
	if (!v) {
		fprintf(stderr, "lanad: out of memory\n");
		exit(2);
	}
	v[n] = real;
	v[n + 1] = NULL;
	eo->pcap_dirs = v;
}

/* What the command line asks for. */
struct lanad_opts {
	struct lana_engine_opts eo;
	struct lana_ctl_limits lim;
	const char *sock;	/* the control socket's path */
	bool daemonize;
};

/* What setup() made and teardown() undoes. */
struct lanad {
	const char *sock;
	int lfd;		/* the listening socket */
	int sfd;		/* signalfd of the signals block_signals() takes */
	struct lana_engine *e;
};

/*
 * Parse the command line into @o (and g). Returns -1 to go on, or the exit
 * status when lanad is to stop now: 0 (--help, --version) or 2 (usage).
 */
static int parse_options(int argc, char **argv, struct lanad_opts *o)
{
	enum {
		OPT_SYSLOG = 256, OPT_PCAP_DIR, OPT_BUSY_POLL, OPT_CLIENTS, OPT_TXNS,
		OPT_CLIENT_TXNS,
		OPT_TXN_SIZE, OPT_TXN_BYTES, OPT_CLIENT_TXN_BYTES,
		OPT_TXN_TIMEOUT, OPT_IDLE_TIMEOUT, OPT_SEND_QUEUE,
		OPT_SEND_TIMEOUT,
	};
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "socket", required_argument, NULL, 's' },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "pcap-dir", required_argument, NULL, OPT_PCAP_DIR },
		{ "busy-poll", no_argument, NULL, OPT_BUSY_POLL },
		{ "max-clients", required_argument, NULL, OPT_CLIENTS },
		{ "max-txns", required_argument, NULL, OPT_TXNS },
		{ "max-client-txns", required_argument, NULL, OPT_CLIENT_TXNS },
		{ "max-txn-size", required_argument, NULL, OPT_TXN_SIZE },
		{ "max-txn-bytes", required_argument, NULL, OPT_TXN_BYTES },
		{ "max-client-txn-bytes", required_argument, NULL,
		  OPT_CLIENT_TXN_BYTES },
		{ "txn-timeout", required_argument, NULL, OPT_TXN_TIMEOUT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "send-queue", required_argument, NULL, OPT_SEND_QUEUE },
		{ "send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->eo = (struct lana_engine_opts){ .workers = 1, .log = log_sink };
	lana_ctl_limits_default(&o->lim);
	o->sock = NULL;
	o->daemonize = false;
	while ((c = getopt_long(argc, argv, "fdw:s:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->daemonize = false;
			break;
		case 'd':
			o->daemonize = true;
			break;
		case 'w':
			o->eo.workers = (unsigned int)parse_num("workers",
								optarg, 1,
								1024);
			break;
		case OPT_BUSY_POLL:
			o->eo.busy_poll = true;
			break;
		case OPT_CLIENTS:
			o->lim.clients = (unsigned int)parse_num("max-clients",
								 optarg, 1,
								 65536);
			break;
		case OPT_TXNS:
			o->lim.txns = (unsigned int)parse_num("max-txns", optarg,
							      1, LANA_TXN_MAX);
			break;
		case OPT_CLIENT_TXNS:
			o->lim.txns_per_client =
				(unsigned int)parse_num("max-client-txns",
							optarg, 1,
							LANA_TXN_MAX);
			break;
		case OPT_TXN_SIZE:
			o->lim.txn_size = (uint32_t)parse_size("max-txn-size",
							       optarg,
							       LANA_PLAN_MAX_LEN);
			if (o->lim.txn_size < LANA_PLAN_HDR_LEN) {
				fprintf(stderr, "lanad: --max-txn-size below a plan header (%d bytes)\n",
					LANA_PLAN_HDR_LEN);
				return 2;
			}
			break;
		case OPT_TXN_BYTES:
			o->lim.txn_bytes = parse_size("max-txn-bytes", optarg,
						      1ull << 40);
			break;
		case OPT_CLIENT_TXN_BYTES:
			o->lim.client_txn_bytes =
				parse_size("max-client-txn-bytes", optarg,
					   1ull << 40);
			break;
		case OPT_TXN_TIMEOUT:
			o->lim.txn_idle_ms = parse_secs("txn-timeout", optarg);
			break;
		case OPT_IDLE_TIMEOUT:
			o->lim.idle_ms = parse_secs("idle-timeout", optarg);
			break;
		case OPT_SEND_QUEUE:
			o->lim.out_bytes = parse_size("send-queue", optarg,
						      1ull << 40);
			if (o->lim.out_bytes && o->lim.out_bytes < LANA_MSG_MAX) {
				fprintf(stderr, "lanad: --send-queue below one message (%d bytes)\n",
					LANA_MSG_MAX);
				return 2;
			}
			break;
		case OPT_SEND_TIMEOUT:
			o->lim.out_ms = parse_secs("send-timeout", optarg);
			break;
		case 's':
			o->sock = optarg;
			break;
		case OPT_SYSLOG:
			g.syslog = true;
			break;
		case OPT_PCAP_DIR:
			add_pcap_dir(&o->eo, optarg, false);
			break;
		case 'v':
			g.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("lanad %s (protocol %d, plan format %d.%d)\n",
			       PACKAGE_VERSION, LANA_GENL_VERSION,
			       LANA_PLAN_VERSION_MAJOR,
			       LANA_PLAN_VERSION_MINOR);
			return 0;
		default:
			fprintf(stderr, "Try 'lanad --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lanad: unexpected argument '%s'\nTry 'lanad --help'.\n",
			argv[optind]);
		return 2;
	}
	if (!o->eo.pcap_dirs)
		add_pcap_dir(&o->eo, LANA_PCAP_DIR, true);
	o->sock = lana_ctl_socket_path(o->sock);
	if (o->daemonize)
		g.syslog = true;
	return -1;
}

/*
 * Block SIGTERM and SIGINT (stop), SIGHUP, SIGUSR1, SIGUSR2 and SIGALRM
 * (logged, ignored), before any thread exists so that the workers inherit
 * the mask; SIGPIPE is ignored. @mask is set to those six signals.
 */
static int block_signals(sigset_t *mask)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);
	sigaddset(mask, SIGUSR2);
	sigaddset(mask, SIGALRM);
	if (sigprocmask(SIG_BLOCK, mask, NULL) < 0) {
		log_msg(LOG_ERR, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Listen on the control socket, detach when asked to, take the signals on
 * a signalfd and start the engine. Returns 0 with @d filled in, or -1
 * (logged; the socket file is removed again).
 */
static int setup(const struct lanad_opts *o, struct lanad *d)
{
	sigset_t mask;
	int r;

	d->sock = o->sock;
	if (block_signals(&mask))
		return -1;
	d->lfd = listen_socket(d->sock);
	if (d->lfd < 0) {
		log_msg(LOG_ERR, "cannot listen on %s: %s%s", d->sock,
			strerror(-d->lfd),
			d->lfd == -EADDRINUSE ? " (is another lanad running?)" : "");
		return -1;
	}
	/* fork before the engine starts threads (threads do not survive it) */
	/* keep the working directory when the socket path is relative, so
	 * that it can still be removed at exit */
	if (o->daemonize && daemon(d->sock[0] != '/', 0) < 0) {
		log_msg(LOG_ERR, "daemon: %s", strerror(errno));
		goto fail;
	}
	d->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sfd < 0) {
		log_msg(LOG_ERR, "signalfd: %s", strerror(errno));
		goto fail;
	}
	d->e = lana_engine_new(&o->eo);
	if (!d->e) {
		log_msg(LOG_ERR, "cannot create the engine: %s", strerror(errno));
		goto fail;
	}
	r = lana_engine_start(d->e);
	if (r) {
		log_msg(LOG_ERR, "cannot start the engine: %s", strerror(-r));
		lana_engine_free(d->e);
		goto fail;
	}
	log_msg(LOG_INFO, "listening on %s, %u worker%s", d->sock,
		o->eo.workers, o->eo.workers == 1 ? "" : "s");
	for (r = 0; o->eo.pcap_dirs[r]; r++)
		log_msg(LOG_INFO, "pcap files in %s", o->eo.pcap_dirs[r]);
	return 0;
fail:
	unlink(d->sock);
	return -1;
}

/* Undo setup(): remove the socket, tear the graph down, stop logging. */
static void teardown(struct lanad *d)
{
	close(d->lfd);
	unlink(d->sock);
	lana_engine_free(d->e);	/* stops workers, destructors run */
	close(d->sfd);
	log_msg(LOG_INFO, "stopped");
	if (g.syslog)
		closelog();
}

int main(int argc, char **argv)
{
	struct lanad_opts o;
	struct lanad d;
	int rc;

	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (g.syslog)
		openlog("lanad", LOG_PID, LOG_DAEMON);
	if (setup(&o, &d))
		return 1;
	rc = serve(d.e, d.lfd, d.sfd, &o.lim);
	teardown(&d);
	free_pcap_dirs(&o.eo);
	return rc;
}
