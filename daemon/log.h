/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/log.h - printf-style messages to a log sink, the
 * `void (*log)(int level, const char *msg)` that lanad hands its engine,
 * dispatcher, state writer and configuration reloader
 * (struct lana_engine_opts).
 */
#ifndef LANAD_LOG_H
#define LANAD_LOG_H

#include <stdarg.h>
#include <stdio.h>

/* Longer messages are cut (vsnprintf); a compiler error's context line
 * is the longest lanad logs. */
#define LANAD_LOG_MAX 1024

/**
 * lanad_vlogf() - format @fmt with @ap and pass it to @sink at syslog
 * priority @level (LOG_ERR, LOG_INFO, ...); nothing when @sink is NULL.
 */
static inline void lanad_vlogf(void (*sink)(int level, const char *msg),
			       int level, const char *fmt, va_list ap)
{
	char msg[LANAD_LOG_MAX];

	if (!sink)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	sink(level, msg);
}

/** lanad_logf() - lanad_vlogf() with the arguments inline. */
static inline void lanad_logf(void (*sink)(int level, const char *msg),
			      int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void lanad_logf(void (*sink)(int level, const char *msg),
			      int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lanad_vlogf(sink, level, fmt, ap);
	va_end(ap);
}

#endif /* LANAD_LOG_H */
