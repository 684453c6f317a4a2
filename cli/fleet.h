/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli/fleet.h - `lanarun fleet apply|status` and `lanarun agent`: a fleet
 * model's per-host plans distributed through etcd (docs/fleet.md).
 */
#ifndef LANA_CLI_FLEET_H
#define LANA_CLI_FLEET_H

#include <stdint.h>

#include "client.h"

/**
 * struct lana_fleet_opts - the fleet options of lanarun.
 * @etcd:     --etcd URL[,URL...]
 * @model:    --model NAME (fleet apply: default the file's base name)
 * @host:     --host NAME (agent)
 * @revision: --revision N: apply only if the model is at N (-1: any)
 * @wait_s:   --wait SECONDS for every host's status (0: do not wait)
 */
struct lana_fleet_opts {
	const char *etcd;
	const char *model;
	const char *host;
	int64_t revision;
	unsigned int wait_s;
};

/**
 * lana_fleet_apply() - compile every host's plan of @path and write them
 * in one etcd transaction that holds only if the model's revision is still
 * the one read (two operators never interleave); then wait for every
 * host's agent to report the new revision, and if one reports a failure,
 * write the previous plans back (every host returns to the previous
 * model) and exit 1 naming the host.
 * Return: lanarun's exit status.
 */
int lana_fleet_apply(const struct lana_client_opts *co,
		     const struct lana_fleet_opts *fo, const char *path);

/**
 * lana_fleet_status() - per host: desired and applied revision, health
 * (an agent's status lives under a lease: a dead agent's goes away), the
 * last error. JSON with co->json. Return: 0, 1 when a host is down or
 * failed, 2 when etcd cannot be reached.
 */
int lana_fleet_status(const struct lana_client_opts *co,
		      const struct lana_fleet_opts *fo);

/**
 * lana_fleet_agent() - run host @fo->host's agent until SIGTERM/SIGINT:
 * watch its plan key, make the engine (co->socket / co->engine) run it
 * (lana_client_converge()) whenever it or the engine's graph differs, and
 * publish its status under a lease. Return: lanarun's exit status.
 */
int lana_fleet_agent(const struct lana_client_opts *co,
		     const struct lana_fleet_opts *fo);

#endif /* LANA_CLI_FLEET_H */
