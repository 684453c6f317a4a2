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
#include "config.h"
#include "dispatch.h"
#include "peer.h"
#include "state.h"
#include "runtime/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
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
#include <systemd/sd-daemon.h>
#include <unistd.h>

#define LANA_PCAP_DIR	"/var/lib/lana/pcap"	/* --pcap-dir default */

#define LANA_STATE_DIR	"/var/lib/lana"		/* --state-dir default */

static struct {
	bool syslog;
	bool journal;	/* stderr is the journal: "<N>" priority prefixes */
	int verbose;
} g;

/*
 * Whether standard error is connected to the systemd journal: $JOURNAL_STREAM
 * holds its "device:inode" (systemd.exec(5)), so that messages can carry
 * their priority as a "<N>" prefix (sd-daemon(3)) instead of all arriving
 * at "info".
 */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

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
	if (g.journal)
		fprintf(stderr, "<%d>%s: ", level & 7, names[level & 7]);
	else
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

/* What the command line asks for. */
struct lanad_opts {
	struct lana_engine_opts eo;
	struct lana_ctl_limits lim;
	const char *sock;	/* the control socket's path */
	const char *config;	/* --config, or NULL */
	const char *state_dir;	/* --state-dir, or NULL: no state */
	gid_t gid;		/* --group, or -1 */
	bool daemonize;
};

/* What setup() made and teardown() undoes. */
struct lanad {
	const char *sock;
	int lfd;		/* the listening socket */
	bool activated;		/* @lfd came from systemd: not ours to unlink */
	int sfd;		/* signalfd of the signals block_signals() takes */
	struct lana_engine *e;
	struct lanad_state *state;	/* --state-dir, or NULL */
	struct lanad_config *cfg;	/* --config, or NULL */
};

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
"  -c, --config FILE    apply the graph FILE.lana at start; SIGHUP re-reads\n"
"                       it and applies the difference\n"
"      --state-dir DIR  save the running graph in DIR/" LANAD_STATE_FILE " after\n"
"                       every change and restore it at start (default:\n"
"                       $STATE_DIRECTORY, else %s for the default socket,\n"
"                       else none)\n"
"      --no-state       neither save nor restore the graph\n"
"  -g, --group NAME     the control socket's group (mode 0660): its members\n"
"                       may read the graph and counters, not change them\n"
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
"SIGHUP re-reads --config (without one it is logged and ignored, like\n"
"SIGUSR1, SIGUSR2 and SIGALRM). Started by systemd, lanad reports readiness\n"
"(Type=notify) and takes its socket from socket activation.\n"
"See lanad(8).\n", LANA_DEFAULT_SOCKET, LANA_PCAP_DIR, LANA_STATE_DIR,
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
	return lana_mkdir_p(dir, 0755);
}

/*
 * Create the listening socket at @path. A stale socket file (nobody
 * accepting) is replaced; a live one means another lanad runs: -EADDRINUSE.
 * The socket is bound and listening under a temporary name first and then
 * renamed to @path (rename(2) is atomic), so the file never exists without
 * a listener behind it: a client that sees it can connect (no
 * ECONNREFUSED between bind(2) and listen(2)). Mode 0660; group @gid
 * unless it is -1 (lanad --group).
 */
static int listen_socket(const char *path, gid_t gid)
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
	if (chmod(tmp, 0660) < 0 ||
	    (gid != (gid_t)-1 && chown(tmp, (uid_t)-1, gid) < 0) ||
	    listen(fd, 16) < 0 || rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		close(fd);
		return r;
	}
	return fd;
}

/*
 * A peer that is neither root nor holds CAP_NET_ADMIN may only read
 * (daemon/peer.h): the socket's mode and group decide who connects at all.
 * Returns 0, or -errno when the peer's credentials cannot be read (the
 * connection is refused).
 */
static int restrict_peer(struct lana_ctl_server *srv, int fd)
{
	unsigned int uid = 0;
	int r = lanad_peer_may_change(fd, &uid);

	if (r < 0) {
		log_msg(LOG_WARNING, "SO_PEERCRED: %s: connection refused",
			strerror(-r));
		return r;
	}
	if (r)
		return 0;
	log_msg(LOG_DEBUG, "client fd %d: uid %u, read-only", fd, uid);
	return lana_ctl_client_restrict(srv, fd, uid);
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
		if (restrict_peer(srv, fd)) {
			lana_ctl_client_gone(srv, fd);
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

/* Tell systemd (Type=notify) "RELOADING=1" with the time, as
 * sd_notify(3) asks for since systemd 253; without systemd a no-op. */
static void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=re-reading the configuration\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ull +
		   (unsigned long long)ts.tv_nsec / 1000);
}

/*
 * A signal arrived on the signalfd @d->sfd. Returns 1 when lanad is to stop
 * (SIGTERM, SIGINT), else 0.
 */
static int take_signal(struct lanad *d)
{
	struct signalfd_siginfo si;
	ssize_t got = read(d->sfd, &si, sizeof(si));

	if (got != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
		log_msg(LOG_INFO, "%s: shutting down",
			strsignal((int)si.ssi_signo));
		sd_notify(0, "STOPPING=1");
		return 1;
	}
	if (si.ssi_signo == SIGHUP && d->cfg) {
		log_msg(LOG_INFO, "Hangup (from pid %u): re-reading the configuration",
			si.ssi_pid);
		if (!lanad_config_busy(d->cfg))
			notify_reloading();
		lanad_config_reload(d->cfg);
		return 0;
	}
	/* SIGHUP without --config, SIGUSR1, SIGUSR2, SIGALRM: a daemon is
	 * not killed by them (their default action would lose the graph) */
	log_msg(LOG_NOTICE, "%s (from pid %u): ignored, the graph stays as it is",
		strsignal((int)si.ssi_signo), si.ssi_pid);
	return 0;
}

/* A reload's compilation finished: apply it, tell systemd. */
static void finish_reload(struct lanad *d)
{
	bool ok;

	if (!lanad_config_finish(d->cfg, &ok) || lanad_config_busy(d->cfg))
		return;
	sd_notifyf(0, "READY=1\nSTATUS=%s", ok ?
		   "configuration reloaded" :
		   "reload failed, running the previous graph (see the log)");
}

/*
 * Serve until SIGTERM/SIGINT. Returns the exit status. The poll set is
 * rebuilt every round from the dispatcher's wishes (POLLIN, POLLOUT), so
 * that no socket call of the control thread ever blocks. After every
 * round the running graph is handed to the state writer if it changed.
 */
static int serve(struct lanad *d, const struct lana_ctl_limits *lim)
{
	struct lana_ctl_server *srv = lana_ctl_server_new(d->e, log_sink);
	struct pollfd *pfd = xcalloc(lim->clients + 3, sizeof(*pfd));
	int *fds = xcalloc(lim->clients, sizeof(*fds));
	unsigned int n = 0, i;
	int rc = 0, fd;

	lana_ctl_server_set_limits(srv, lim);
	pfd[0].fd = d->sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = d->lfd;
	pfd[1].events = POLLIN;
	pfd[2].fd = d->cfg ? lanad_config_fd(d->cfg) : -1;
	pfd[2].events = POLLIN;
	for (;;) {
		if (d->state)
			lanad_state_poll(d->state);
		/* timeouts first: they may drop clients */
		while (lana_ctl_server_expire(srv, &fd) > 0)
			for (i = 0; i < n; i++)
				if (fds[i] == fd) {
					drop_client(srv, fd, 0);
					fds[i] = fds[--n];
					break;
				}
		for (i = 0; i < n; i++) {
			pfd[i + 3].fd = fds[i];
			pfd[i + 3].events = lana_ctl_client_events(srv, fds[i]);
			pfd[i + 3].revents = 0;
		}
		if (poll(pfd, n + 3, lana_ctl_server_timeout(srv)) < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		if ((pfd[0].revents & POLLIN) && take_signal(d))
			break;
		if (pfd[2].revents & POLLIN)
			finish_reload(d);
		for (i = n; i-- > 0;) {
			short rev = pfd[i + 3].revents;
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
			accept_clients(srv, d->lfd, fds, &n, lim->clients);
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
		OPT_SEND_TIMEOUT, OPT_STATE_DIR, OPT_NO_STATE,
	};
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "socket", required_argument, NULL, 's' },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "pcap-dir", required_argument, NULL, OPT_PCAP_DIR },
		{ "busy-poll", no_argument, NULL, OPT_BUSY_POLL },
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "no-state", no_argument, NULL, OPT_NO_STATE },
		{ "group", required_argument, NULL, 'g' },
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
	bool state_set = false;
	struct group *gr;
	const char *env;
	int c;

	o->eo = (struct lana_engine_opts){ .workers = 1, .log = log_sink };
	o->config = NULL;
	o->state_dir = NULL;
	o->gid = (gid_t)-1;
	lana_ctl_limits_default(&o->lim);
	o->sock = NULL;
	o->daemonize = false;
	while ((c = getopt_long(argc, argv, "fdw:s:c:g:vhV", opts, NULL)) != -1) {
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
		case 'c':
			o->config = optarg;
			break;
		case OPT_STATE_DIR:
			if (!*optarg) {
				fprintf(stderr, "lanad: --state-dir: empty (--no-state saves nothing)\n");
				return 2;
			}
			o->state_dir = optarg;
			state_set = true;
			break;
		case OPT_NO_STATE:
			o->state_dir = NULL;
			state_set = true;
			break;
		case 'g':
			errno = 0;
			gr = getgrnam(optarg);
			if (!gr) {
				fprintf(stderr, "lanad: --group %s: %s\n", optarg,
					errno ? strerror(errno) : "no such group");
				return 2;
			}
			o->gid = gr->gr_gid;
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
	/* two engines must never share one state file: the default
	 * directory belongs to the default socket */
	o->sock = lana_ctl_socket_path(o->sock);
	if (!state_set && !strcmp(o->sock, LANA_DEFAULT_SOCKET))
		o->state_dir = LANA_STATE_DIR;
	/* systemd's StateDirectory= (systemd.exec(5)); one directory only */
	env = getenv("STATE_DIRECTORY");
	if (!state_set && env && *env && !strchr(env, ':'))
		o->state_dir = env;
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
 * The listening socket systemd passed (socket activation, sd_listen_fds(3)):
 * its descriptor, -1 when there is none (lanad makes its own), or -2 when
 * what was passed is not one SOCK_SEQPACKET Unix socket (logged).
 */
static int activated_socket(void)
{
	int n = sd_listen_fds(1);
	int fd = SD_LISTEN_FDS_START;

	if (n <= 0)
		return -1;
	if (n > 1 || sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0) {
		log_msg(LOG_ERR, "systemd passed %d socket%s; lanad takes one listening SOCK_SEQPACKET Unix socket (ListenSequentialPacket=)",
			n, n == 1 ? "" : "s");
		return -2;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		log_msg(LOG_ERR, "socket from systemd: %s", strerror(errno));
		return -2;
	}
	return fd;
}

/*
 * Restore the saved graph (--state-dir), then apply --config. Returns 0,
 * or -1 when the configuration cannot be applied (logged).
 */
static int load_graph(const struct lanad_opts *o, struct lanad *d)
{
	if (o->state_dir) {
		d->state = lanad_state_new(o->state_dir, d->e, log_sink);
		if (!d->state) {
			log_msg(LOG_ERR, "--state-dir %s: %s", o->state_dir,
				strerror(errno));
			return -1;
		}
		lanad_state_restore(d->state);
	}
	if (o->config) {
		d->cfg = lanad_config_new(o->config, d->e, log_sink);
		if (lanad_config_apply_now(d->cfg))
			return -1;
	}
	if (d->state)
		lanad_state_poll(d->state);
	return 0;
}

/*
 * Listen on the control socket (or take systemd's), detach when asked
 * to, take the signals on a signalfd, start the engine and load the
 * graph. Returns 0 with @d filled in, or -1 (logged; the socket file is
 * removed again).
 */
static int setup(const struct lanad_opts *o, struct lanad *d)
{
	sigset_t mask;
	int r;

	memset(d, 0, sizeof(*d));
	d->sock = o->sock;
	d->sfd = -1;
	if (block_signals(&mask))
		return -1;
	d->lfd = activated_socket();
	if (d->lfd == -2)
		return -1;
	d->activated = d->lfd >= 0;
	if (!d->activated)
		d->lfd = listen_socket(d->sock, o->gid);
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
		goto fail_engine;
	}
	if (load_graph(o, d))
		goto fail_engine;
	log_msg(LOG_INFO, "listening on %s%s, %u worker%s", d->sock,
		d->activated ? " (socket from systemd)" : "",
		o->eo.workers, o->eo.workers == 1 ? "" : "s");
	for (r = 0; o->eo.pcap_dirs[r]; r++)
		log_msg(LOG_INFO, "pcap files in %s", o->eo.pcap_dirs[r]);
	sd_notifyf(0, "READY=1\nSTATUS=serving %s", d->sock);
	return 0;
fail_engine:
	lanad_config_free(d->cfg);
	lanad_state_free(d->state);
	lana_engine_free(d->e);
fail:
	if (d->sfd >= 0)
		close(d->sfd);
	if (!d->activated)
		unlink(d->sock);
	return -1;
}

/*
 * Undo setup(): remove the socket (unless systemd owns it), save what is
 * pending, tear the graph down, stop logging.
 */
static void teardown(struct lanad *d)
{
	close(d->lfd);
	if (!d->activated)
		unlink(d->sock);
	lanad_config_free(d->cfg);
	if (d->state)
		lanad_state_poll(d->state);
	lanad_state_free(d->state);	/* the saved graph stays */
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
	g.journal = !g.syslog && stderr_is_journal();
	if (g.syslog)
		openlog("lanad", LOG_PID, LOG_DAEMON);
	if (setup(&o, &d))
		return 1;
	rc = serve(&d, &o.lim);
	teardown(&d);
	free_pcap_dirs(&o.eo);
	return rc;
}
