// SPDX-License-Identifier: GPL-2.0
/*
 * cli/fleet.c - a fleet model's plans through etcd (docs/fleet.md "Keys"):
 *
 *   /lana/v1/MODEL/revision          the model's revision, decimal
 *   /lana/v1/MODEL/hosts/HOST/plan   HOST's full plan (docs/plan-format.md)
 *   /lana/v1/MODEL/status/HOST       HOST's agent's report, JSON, under a
 *                                    lease of AGENT_TTL seconds
 *
 * `fleet apply` writes the revision and every plan in one transaction
 * whose comparison is the revision key's mod_revision as read (etcd's
 * compare-and-swap, the way Kubernetes' resourceVersion works), so of two
 * operators applying at once exactly one wins. An agent watches its
 * host's plan key and makes its engine run that plan; its status key
 * disappears with its lease when it dies, so a dead host is visible.
 */
#include "fleet.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_client.h"
#include "etcd.h"
#include "lang/compile.h"
#include "plan/plan.h"

#define AGENT_TTL	10	/* seconds an agent's status outlives it */
#define AGENT_POLL_MS	1000	/* longest wait between two checks */

static const char *prog = "lanarun";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *keyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *keyf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* The model's name: --model, else @path's base name without ".lana". */
static char *model_name(const struct lana_fleet_opts *fo, const char *path)
{
	const char *b;
	size_t n;
	char *m;

	if (fo->model)
		return xstrdup(fo->model);
	if (!path)
		return NULL;
	b = strrchr(path, '/');
	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && !strcmp(b + n - 5, ".lana"))
		n -= 5;
	m = xmalloc(n + 1);
	memcpy(m, b, n);
	m[n] = 0;
	return m;
}

static struct lana_etcd *open_etcd(const struct lana_fleet_opts *fo)
{
	char err[512];
	struct lana_etcd *e;

	if (!fo->etcd) {
		fprintf(stderr, "%s: error: --etcd URL[,URL...] is required\n",
			prog);
		return NULL;
	}
	e = lana_etcd_open(fo->etcd, err, sizeof(err));
	if (!e)
		fprintf(stderr, "%s: error: %s\n", prog, err);
	return e;
}

static json_t *op_put(const char *key, const void *val, size_t len)
{
	json_t *o = json_object(), *p = json_object();

	json_object_set_new(p, "key", lana_etcd_b64(key, strlen(key)));
	json_object_set_new(p, "value", lana_etcd_b64(val, len));
	json_object_set_new(o, "request_put", p);
	return o;
}

static json_t *op_del(const char *key)
{
	json_t *o = json_object(), *p = json_object();

	json_object_set_new(p, "key", lana_etcd_b64(key, strlen(key)));
	json_object_set_new(o, "request_delete_range", p);
	return o;
}

/* The comparison "@key was last changed at @mod_rev" (0: does not exist). */
static json_t *cmp_mod(const char *key, int64_t mod_rev)
{
	json_t *c = json_object();
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, mod_rev);
	json_object_set_new(c, "key", lana_etcd_b64(key, strlen(key)));
	json_object_set_new(c, "result", json_string("EQUAL"));
	if (mod_rev) {
		json_object_set_new(c, "target", json_string("MOD"));
		json_object_set_new(c, "mod_revision", json_string(s));
	} else {
		json_object_set_new(c, "target", json_string("CREATE"));
		json_object_set_new(c, "create_revision", json_string("0"));
	}
	return c;
}

/* A host's plan as stored: name and bytes. */
struct hplan {
	char *host;
	struct lana_buf plan;
};

static void hplans_free(struct hplan *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].host);
		lana_buf_free(&h[i].plan);
	}
	free(h);
}

/* The model's state in etcd: revision (and its key's mod_rev), plans. */
struct state {
	int64_t rev, rev_mod;
	struct hplan *plans;
	size_t nplans;
};

static int read_state(struct lana_etcd *e, const char *model, struct state *st)
{
	char *pre = keyf("/lana/v1/%s/", model), *hp;
	struct lana_etcd_kv *kv;
	size_t n, i, hl;

	memset(st, 0, sizeof(*st));
	if (lana_etcd_range(e, pre, true, &kv, &n, NULL)) {
		free(pre);
		return -1;
	}
	hp = keyf("%shosts/", pre);
	hl = strlen(hp);
	st->plans = xcalloc(n + 1, sizeof(*st->plans));
	for (i = 0; i < n; i++) {
		const char *k = kv[i].key;
		size_t kl = strlen(k);

		if (!strcmp(k + strlen(pre), "revision")) {
			st->rev = strtoll(kv[i].val, NULL, 10);
			st->rev_mod = kv[i].mod_rev;
		} else if (!strncmp(k, hp, hl) && kl > hl + 5 &&
			   !strcmp(k + kl - 5, "/plan")) {
			struct hplan *h = &st->plans[st->nplans++];

			h->host = xmalloc(kl - hl - 5 + 1);
			memcpy(h->host, k + hl, kl - hl - 5);
			h->host[kl - hl - 5] = 0;
			lana_buf_put(&h->plan, kv[i].val, kv[i].vlen);
		}
	}
	lana_etcd_kvs_free(kv, n);
	free(hp);
	free(pre);
	return 0;
}

static bool has_plan(const struct hplan *h, size_t n, const char *host)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(h[i].host, host))
			return true;
	return false;
}

/*
 * Write @plans as revision @rev, if the revision key is still at
 * @rev_mod; plans of hosts in @drop and not in @plans are deleted.
 * Return: 0 written, 1 the model changed meanwhile, -1 etcd failed.
 */
static int write_plans(struct lana_etcd *e, const char *model, int64_t rev,
		       int64_t rev_mod, const struct hplan *plans, size_t n,
		       const struct hplan *drop, size_t ndrop)
{
	json_t *txn = json_object(), *cmp = json_array(), *ops = json_array();
	char *rk = keyf("/lana/v1/%s/revision", model), rs[32];
	size_t i;
	bool ok;

	json_array_append_new(cmp, cmp_mod(rk, rev_mod));
	snprintf(rs, sizeof(rs), "%" PRId64, rev);
	json_array_append_new(ops, op_put(rk, rs, strlen(rs)));
	for (i = 0; i < n; i++) {
		char *k = keyf("/lana/v1/%s/hosts/%s/plan", model,
			       plans[i].host);

		json_array_append_new(ops, op_put(k, plans[i].plan.data,
						  plans[i].plan.len));
		free(k);
	}
	for (i = 0; i < ndrop; i++) {
		char *k;

		if (has_plan(plans, n, drop[i].host))
			continue;
		k = keyf("/lana/v1/%s/hosts/%s/plan", model, drop[i].host);
		json_array_append_new(ops, op_del(k));
		free(k);
	}
	json_object_set_new(txn, "compare", cmp);
	json_object_set_new(txn, "success", ops);
	free(rk);
	if (lana_etcd_txn(e, txn, &ok))
		return -1;
	return ok ? 0 : 1;
}

/* An agent's report (status key), parsed. */
struct report {
	char *host;
	int64_t rev;
	bool ok;
	char *error;
};

static void reports_free(struct report *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].host);
		free(r[i].error);
	}
	free(r);
}

static int read_reports(struct lana_etcd *e, const char *model,
			struct report **out, size_t *nout)
{
	char *pre = keyf("/lana/v1/%s/status/", model);
	struct lana_etcd_kv *kv;
	size_t n, i, pl = strlen(pre);

	*out = NULL;
	*nout = 0;
	if (lana_etcd_range(e, pre, true, &kv, &n, NULL)) {
		free(pre);
		return -1;
	}
	*out = xcalloc(n + 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		json_t *j = json_loadb(kv[i].val, kv[i].vlen, 0, NULL);
		struct report *r = &(*out)[*nout];
		json_t *er;

		if (!j)
			continue;
		r->host = xstrdup(kv[i].key + pl);
		r->rev = json_integer_value(json_object_get(j, "revision"));
		er = json_object_get(j, "result");
		r->ok = json_is_string(er) &&
			!strcmp(json_string_value(er), "applied");
		er = json_object_get(j, "error");
		r->error = json_is_string(er) ? xstrdup(json_string_value(er)) :
			   NULL;
		json_decref(j);
		(*nout)++;
	}
	lana_etcd_kvs_free(kv, n);
	free(pre);
	return 0;
}

static const struct report *find_report(const struct report *r, size_t n,
					const char *host)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].host, host))
			return &r[i];
	return NULL;
}

/*
 * Wait up to @wait_s for every host of @plans to report revision @rev.
 * Return: 0 all applied, 1 one failed (*@bad, its error in *@why), 2 a
 * timeout (*@bad the first missing), -1 etcd failed.
 */
static int wait_hosts(struct lana_etcd *e, const char *model, int64_t rev,
		      const struct hplan *plans, size_t n, unsigned int wait_s,
		      char **bad, char **why)
{
	double end = now_s() + wait_s;

	*bad = NULL;
	*why = NULL;
	for (;;) {
		struct report *r;
		size_t nr, i;
		const char *missing = NULL;

		if (read_reports(e, model, &r, &nr))
			return -1;
		for (i = 0; i < n; i++) {
			const struct report *x = find_report(r, nr,
							     plans[i].host);

			if (x && x->rev >= rev && !x->ok) {
				*bad = xstrdup(plans[i].host);
				*why = xstrdup(x->error ? x->error : "failed");
				reports_free(r, nr);
				return 1;
			}
			if ((!x || x->rev < rev) && !missing)
				missing = plans[i].host;
		}
		if (!missing) {
			reports_free(r, nr);
			return 0;
		}
		if (now_s() >= end) {
			*bad = xstrdup(missing);
			reports_free(r, nr);
			return 2;
		}
		reports_free(r, nr);
		usleep(100000);
	}
}

int lana_fleet_apply(const struct lana_client_opts *co,
		     const struct lana_fleet_opts *fo, const char *path)
{
	struct lana_client_opts o = *co;
	struct lana_etcd *e = open_etcd(fo);
	struct state st;
	struct hplan *plans = NULL;
	char **hosts = NULL, *model = model_name(fo, path);
	char *bad = NULL, *why = NULL, err[512];
	uint32_t nh = 0, i;
	int rc = EXIT_FAILURE, r;

	if (!e)
		goto out;
	if (lana_model_hosts(path, &hosts, &nh) || !nh) {
		fprintf(stderr, "%s: error: fleet apply: '%s' is not a model that declares hosts (docs/fleet.md)\n",
			prog, path);
		goto out;
	}
	plans = xcalloc(nh + 1, sizeof(*plans));
	for (i = 0; i < nh; i++) {
		struct lana_plan p;

		o.host = hosts[i];
		if (lana_client_load(&o, path, 0, &p))
			goto out;
		plans[i].host = xstrdup(hosts[i]);
		r = lana_plan_encode(&p, &plans[i].plan, err, sizeof(err));
		lana_plan_free(&p);
		if (r) {
			fprintf(stderr, "%s: error: %s\n", prog, err);
			goto out;
		}
	}
	if (read_state(e, model, &st)) {
		fprintf(stderr, "%s: error: fleet apply: %s\n", prog,
			lana_etcd_error(e));
		rc = 2;
		goto out;
	}
	if (fo->revision >= 0 && fo->revision != st.rev) {
		fprintf(stderr, "%s: error: fleet apply: model '%s' changed since you read it (it is at revision %" PRId64 ", you read %" PRId64 ")\n",
			prog, model, st.rev, fo->revision);
		goto out_state;
	}
	r = write_plans(e, model, st.rev + 1, st.rev_mod, plans, nh,
			st.plans, st.nplans);
	if (r < 0) {
		fprintf(stderr, "%s: error: fleet apply: %s\n", prog,
			lana_etcd_error(e));
		rc = 2;
		goto out_state;
	}
	if (r > 0) {
		fprintf(stderr, "%s: error: fleet apply: model '%s' changed since it was read (another apply won); read it again\n",
			prog, model);
		goto out_state;
	}
	printf("model %s: revision %" PRId64 " written for %u hosts\n", model,
	       st.rev + 1, nh);
	fflush(stdout);
	rc = 0;
	if (!fo->wait_s)
		goto out_state;
	r = wait_hosts(e, model, st.rev + 1, plans, nh, fo->wait_s, &bad,
		       &why);
	if (!r) {
		printf("model %s: revision %" PRId64 " applied on every host\n",
		       model, st.rev + 1);
		goto out_state;
	}
	rc = EXIT_FAILURE;
	if (r < 0) {
		fprintf(stderr, "%s: error: fleet apply: %s\n", prog,
			lana_etcd_error(e));
		goto out_state;
	}
	if (r == 2) {
		fprintf(stderr, "%s: error: fleet apply: host %s did not report revision %" PRId64 " within %u s (is its agent running?)\n",
			prog, bad, st.rev + 1, fo->wait_s);
		goto out_state;
	}
	/* a host refused its part: every host back to the previous plans */
	fprintf(stderr, "%s: error: fleet apply: host %s failed revision %" PRId64 ": %s\n",
		prog, bad, st.rev + 1, why);
	{
		struct state now;

		if (read_state(e, model, &now) ||
		    write_plans(e, model, st.rev + 2, now.rev_mod, st.plans,
				st.nplans, now.plans, now.nplans)) {
			fprintf(stderr, "%s: error: fleet apply: cannot restore revision %" PRId64 "'s plans: %s\n",
				prog, st.rev, lana_etcd_error(e));
		} else {
			free(bad);
			free(why);
			bad = why = NULL;
			r = wait_hosts(e, model, st.rev + 2, st.plans,
				       st.nplans, fo->wait_s, &bad, &why);
			fprintf(stderr, "%s: fleet apply: every host is back at revision %" PRId64 "'s model (now revision %" PRId64 ")%s\n",
				prog, st.rev, st.rev + 2,
				r ? "; not every host has confirmed it yet" : "");
		}
		if (now.plans)
			hplans_free(now.plans, now.nplans);
	}
out_state:
	hplans_free(st.plans, st.nplans);
out:
	if (plans)
		hplans_free(plans, nh);
	for (i = 0; hosts && hosts[i]; i++)
		free(hosts[i]);
	free(hosts);
	free(bad);
	free(why);
	free(model);
	lana_etcd_close(e);
	return rc;
}

int lana_fleet_status(const struct lana_client_opts *co,
		      const struct lana_fleet_opts *fo)
{
	struct lana_etcd *e = open_etcd(fo);
	struct state st;
	struct report *r = NULL;
	size_t nr = 0, i;
	json_t *arr = NULL;
	int rc = 0;

	if (!e)
		return EXIT_FAILURE;
	if (!fo->model) {
		fprintf(stderr, "%s: error: fleet status: --model NAME is required\n",
			prog);
		lana_etcd_close(e);
		return EXIT_FAILURE;
	}
	if (read_state(e, fo->model, &st) ||
	    read_reports(e, fo->model, &r, &nr)) {
		fprintf(stderr, "%s: error: fleet status: %s\n", prog,
			lana_etcd_error(e));
		lana_etcd_close(e);
		return 2;
	}
	if (co->json)
		arr = json_array();
	else
		printf("%-16s %-8s %-8s %-7s %s\n", "HOST", "DESIRED",
		       "APPLIED", "HEALTH", "ERROR");
	for (i = 0; i < st.nplans; i++) {
		const struct report *x = find_report(r, nr, st.plans[i].host);
		const char *health = !x ? "down" :
				     !x->ok ? "failed" :
				     x->rev < st.rev ? "behind" : "ok";

		if (strcmp(health, "ok"))
			rc = EXIT_FAILURE;
		if (arr) {
			json_t *o = json_object();

			json_object_set_new(o, "host",
					    json_string(st.plans[i].host));
			json_object_set_new(o, "desired",
					    json_integer(st.rev));
			json_object_set_new(o, "applied",
					    x ? json_integer(x->rev) :
					    json_null());
			json_object_set_new(o, "health", json_string(health));
			json_object_set_new(o, "error",
					    x && x->error ?
					    json_string(x->error) :
					    json_null());
			json_array_append_new(arr, o);
		} else {
			char ap[24];

			if (x)
				snprintf(ap, sizeof(ap), "%" PRId64, x->rev);
			else
				snprintf(ap, sizeof(ap), "-");
			printf("%-16s %-8" PRId64 " %-8s %-7s %s\n",
			       st.plans[i].host, st.rev, ap, health,
			       x && x->error ? x->error : "");
		}
	}
	if (arr) {
		char *s = json_dumps(arr, JSON_COMPACT | JSON_ENSURE_ASCII);

		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	}
	hplans_free(st.plans, st.nplans);
	reports_free(r, nr);
	lana_etcd_close(e);
	return rc;
}

/* ------------------------------------------------------------- agent */

static volatile sig_atomic_t agent_stop;

static void on_stop(int sig)
{
	(void)sig;
	agent_stop = 1;
}

/* What the engine command of one agent step works with. */
struct step {
	struct lana_plan *want;
	struct lana_diff_stats st;
	char err[1024];
	int r;
};

static struct step *cur_step;

static int step_fn(const struct lana_client_opts *o, struct lana_ctl_conn *c,
		   int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	cur_step->r = lana_client_converge(c, cur_step->want, &cur_step->st,
					   cur_step->err,
					   sizeof(cur_step->err));
	return 0;
}

static int put_status(struct lana_etcd *e, const char *key, int64_t rev,
		      bool ok, const char *error, int64_t *lease)
{
	json_t *j = json_object();
	char *s;
	int r;

	json_object_set_new(j, "revision", json_integer(rev));
	json_object_set_new(j, "result", json_string(ok ? "applied" :
							"failed"));
	if (error)
		json_object_set_new(j, "error", json_string(error));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!*lease || lana_etcd_lease(e, AGENT_TTL, lease)) {
		*lease = 0;
		if (lana_etcd_lease(e, AGENT_TTL, lease)) {
			free(s);
			return -1;
		}
	}
	r = lana_etcd_put(e, key, s, strlen(s), *lease);
	free(s);
	return r;
}

int lana_fleet_agent(const struct lana_client_opts *co,
		     const struct lana_fleet_opts *fo)
{
	struct lana_etcd *e = open_etcd(fo);
	char *pk, *sk, *rk;
	int64_t lease = 0, last_rev = -1;
	bool last_ok = false, ran = false;
	char last_err[1024] = "";
	struct sigaction sa;

	if (!e)
		return EXIT_FAILURE;
	if (!fo->model || !fo->host) {
		fprintf(stderr, "%s: error: agent: --model NAME and --host NAME are required\n",
			prog);
		lana_etcd_close(e);
		return EXIT_FAILURE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pk = keyf("/lana/v1/%s/hosts/%s/plan", fo->model, fo->host);
	sk = keyf("/lana/v1/%s/status/%s", fo->model, fo->host);
	rk = keyf("/lana/v1/%s/revision", fo->model);
	fprintf(stderr, "%s: agent for host %s of model %s: watching %s\n",
		prog, fo->host, fo->model, pk);
	while (!agent_stop) {
		struct lana_etcd_kv *kv = NULL, *rv = NULL;
		size_t n = 0, nrv = 0;
		int64_t srev = 0, rev;
		struct lana_plan want;
		struct step s = { 0 };
		char err[512];
		bool have;

		/* the plan, then the revision: a plan newer than its revision
		 * is caught by the next round's watch */
		if (lana_etcd_range(e, pk, false, &kv, &n, &srev) ||
		    lana_etcd_range(e, rk, false, &rv, &nrv, NULL)) {
			fprintf(stderr, "%s: agent: %s (retrying)\n", prog,
				lana_etcd_error(e));
			lana_etcd_kvs_free(kv, n);
			sleep(1);
			continue;
		}
		rev = nrv ? strtoll(rv[0].val, NULL, 10) : 0;
		lana_etcd_kvs_free(rv, nrv);
		have = n > 0;
		if (!have) {
			/* no plan for this host (not yet, or it left the
			 * model): an empty graph once it ran one */
			lana_plan_init(&want);
		} else if (lana_plan_decode(kv[0].val, kv[0].vlen, &want, err,
					    sizeof(err)) ||
			   lana_plan_validate(&want, err, sizeof(err))) {
			snprintf(s.err, sizeof(s.err), "invalid plan: %s", err);
			s.r = -1;
			lana_plan_free(&want);
			lana_plan_init(&want);
		}
		lana_etcd_kvs_free(kv, n);
		if (!s.r && (have || ran)) {
			ran = ran || have;
			s.want = &want;
			cur_step = &s;
			if (lana_client_run(co, step_fn, 0, NULL)) {
				snprintf(s.err, sizeof(s.err),
					 "cannot reach the engine");
				s.r = -1;
			}
		}
		lana_plan_free(&want);
		if (s.r > 0) {
			struct lana_buf sum = { 0 };

			lana_diff_summary(&s.st, &sum);
			fprintf(stderr, "%s: agent: revision %" PRId64 ": %s\n",
				prog, rev, sum.data);
			lana_buf_free(&sum);
		}
		if (s.r < 0 && strcmp(s.err, last_err))
			fprintf(stderr, "%s: agent: revision %" PRId64 " failed: %s\n",
				prog, rev, s.err);
		if (rev != last_rev || (s.r >= 0) != last_ok ||
		    strcmp(s.err, last_err) || !lease) {
			if (put_status(e, sk, rev, s.r >= 0,
				       s.r < 0 ? s.err : NULL, &lease)) {
				fprintf(stderr, "%s: agent: cannot publish the status: %s\n",
					prog, lana_etcd_error(e));
				lease = 0;
			}
			last_rev = rev;
			last_ok = s.r >= 0;
			snprintf(last_err, sizeof(last_err), "%s", s.err);
		} else if (lana_etcd_lease(e, AGENT_TTL, &lease)) {
			lease = 0;	/* expired: the next round puts again */
			last_rev = -2;
		}
		/* until the plan changes after the read, at most
		 * AGENT_POLL_MS (the engine may have restarted meanwhile) */
		if (!agent_stop &&
		    lana_etcd_watch(e, pk, false, srev + 1, AGENT_POLL_MS) < 0)
			usleep(AGENT_POLL_MS * 1000);
	}
	fprintf(stderr, "%s: agent for host %s stopped\n", prog, fo->host);
	free(pk);
	free(sk);
	free(rk);
	lana_etcd_close(e);
	return 0;
}
