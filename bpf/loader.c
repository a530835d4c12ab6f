// SPDX-License-Identifier: MIT
/*
 * The user-space side of the eBPF helper (built as the binary `tailtop-bpf`; the kernel side is
 * tailtop.bpf.c): loads tailtop.bpf.c, and prints one JSON object per line on stdout
 * (protocol: docs/ebpf-protocol.md). Diagnostics go to stderr, one line each.
 *
 *   tailtop-bpf [--interval-ms N] [--no-runq] [--no-block] [--cgroup-mode auto|v1|v2]
 *   tailtop-bpf --version    protocol, source hash (see the Makefile), libbpf, linking, arch
 *
 * stdin: a line "flush N" (N a whole number) makes it end the current interval at once and print it
 * with "flush":N, so that a consumer can cut the kernel's counts at the moment it reads its other
 * sources. "flush N at T" (T in CLOCK_MONOTONIC ns, less than a second ahead) ends it at T instead: the
 * helper sleeps until just before T and then waits on the clock, so that the cut lands at T however late
 * the scheduler would have woken it. Other lines are ignored; end-of-file stops it.
 *
 * Exit status: 0 after stdin closed (or SIGTERM/SIGINT); 2 not permitted; 3 no kernel BTF; 1 other.
 *
 * Reading the maps without losing events: the histograms are double-buffered (hist_a, hist_b
 * behind the one-slot map-in-map `hists`). Each interval the loader points hists[0] at the idle
 * map; that map-in-map update returns only after an RCU grace period, i.e. after every program
 * that could still hold the old map has finished. The old map is then read and emptied at leisure.
 *
 * Privileges (measured on 6.18, `su nobody` running a copy with file capabilities): no caps,
 * cap_bpf alone and cap_perfmon alone all fail with EPERM (exit 2); cap_bpf,cap_perfmon+ep works,
 * every program attached. cap_sys_resource is not needed on kernels that charge BPF memory to the
 * memcg (5.11+; libbpf then leaves RLIMIT_MEMLOCK alone); older kernels need it or root. Reading
 * /sys/kernel/btf/vmlinux needs no capability (mode 0444).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "tailtop.h"
#include "tailtop.skel.h"

#define PROTOCOL_VERSION 2
/* Set by the Makefile: the hash of the sources this binary was built from, and how it was linked. */
#ifndef TAILTOP_SOURCE_HASH
#define TAILTOP_SOURCE_HASH "unknown"
#endif
#ifndef TAILTOP_LINK
#define TAILTOP_LINK "unknown"
#endif
#define EXIT_OTHER 1
#define EXIT_EPERM 2
#define EXIT_NOBTF 3

/* Starts older than this are aged out of the start map (requests freed without completing). */
#define STALE_START_NS (600ULL * 1000000000ULL)
#define STALE_SCAN_NS (30ULL * 1000000000ULL)

static volatile sig_atomic_t stop_signal;
static char last_libbpf_msg[512];
static bool debug;

/* ---------------------------------------------------------------------------------- utils */

static void die(int code, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; buf[i]; i++) /* one line */
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	fprintf(stderr, "tailtop-bpf: %s\n", buf);
	exit(code);
}

static void warnline(const char *fmt, ...)
{
	va_list ap;

	fputs("tailtop-bpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* libbpf talks a lot (verifier logs); keep the last warning for our one error line, and pass
 * everything through only with TAILTOP_BPF_DEBUG=1. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[sizeof(last_libbpf_msg)];
	size_t n;
	va_list cp;

	if (debug) {
		va_copy(cp, ap);
		vfprintf(stderr, fmt, cp);
		va_end(cp);
	}
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	if (n)
		memcpy(last_libbpf_msg, buf, n + 1);
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* JSON string body with escapes. */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static const char *op_name(unsigned op)
{
	switch (op) {
	case 0: return "read";
	case 1: return "write";
	case 2: return "flush";
	case 3: return "discard";
	case 5: return "secure-erase";
	case 9: return "write-zeroes";
	case 7: case 11: case 13: case 15: case 17: case 19: return "zone";
	default: return "other";
	}
}

/* Writes a finished line to stdout in one go; a consumer that went away ends us. */
static void emit(char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		free(buf);
		die(EXIT_OTHER, "stdout closed: %s", strerror(errno));
	}
	free(buf);
}

/* ---------------------------------------------------------------------------------- programs */

struct prog_pair {
	const char *name; /* tracepoint, and the key in hello.programs */
	bool block;       /* block or runq family */
	struct bpf_program *btf, *raw;
	const char *mode; /* "tp_btf" / "raw_tp" / NULL (not used) */
	const char *failed;
	char failbuf[160];
	struct bpf_link *link;
};

/* Attach order matters: completion before issue before insert, switch before wakeups, so that a
 * start we record is always followed by an end we see. */
#define NPROGS 8
static struct prog_pair progs[NPROGS] = {
	{ .name = "block_rq_merge", .block = true },
	{ .name = "block_rq_requeue", .block = true },
	{ .name = "block_rq_complete", .block = true },
	{ .name = "block_rq_issue", .block = true },
	{ .name = "block_rq_insert", .block = true },
	{ .name = "sched_switch", .block = false },
	{ .name = "sched_wakeup_new", .block = false },
	{ .name = "sched_wakeup", .block = false },
};
/* hello lists them in the protocol's order */
static const int hello_order[NPROGS] = { 4, 3, 2, 0, 1, 7, 6, 5 };

static void bind_programs(struct tailtop *skel)
{
	struct bpf_program **p[NPROGS][2] = {
		{ &skel->progs.tt_block_rq_merge_btf, &skel->progs.tt_block_rq_merge_raw },
		{ &skel->progs.tt_block_rq_requeue_btf, &skel->progs.tt_block_rq_requeue_raw },
		{ &skel->progs.tt_block_rq_complete_btf, &skel->progs.tt_block_rq_complete_raw },
		{ &skel->progs.tt_block_rq_issue_btf, &skel->progs.tt_block_rq_issue_raw },
		{ &skel->progs.tt_block_rq_insert_btf, &skel->progs.tt_block_rq_insert_raw },
		{ &skel->progs.tt_sched_switch_btf, &skel->progs.tt_sched_switch_raw },
		{ &skel->progs.tt_sched_wakeup_new_btf, &skel->progs.tt_sched_wakeup_new_raw },
		{ &skel->progs.tt_sched_wakeup_btf, &skel->progs.tt_sched_wakeup_raw },
	};
	int i;

	for (i = 0; i < NPROGS; i++) {
		progs[i].btf = *p[i][0];
		progs[i].raw = *p[i][1];
	}
}

/* tp_btf needs the kernel's btf_trace_<name> typedef. */
static bool has_btf_tracepoint(struct btf *vmlinux, const char *name)
{
	char tn[128];

	if (!vmlinux)
		return false;
	snprintf(tn, sizeof(tn), "btf_trace_%s", name);
	return btf__find_by_name_kind(vmlinux, tn, BTF_KIND_TYPEDEF) > 0;
}

/* ---------------------------------------------------------------------------------- options */

struct opts {
	long interval_ms;
	bool block, runq;
	int cgmode; /* TT_CGROUP_V1 / TT_CGROUP_V2 */
};

/* Map sizes; TAILTOP_BPF_MAX_INFLIGHT, TAILTOP_BPF_MAX_HIST and TAILTOP_BPF_MAX_RUNQ override them (the
 * tests shrink them to make each loss happen for real). TAILTOP_BPF_DEVICE=major:minor traces block I/O of
 * that device only (so that lost counts are that device's). */
static __u32 max_inflight = TT_MAX_INFLIGHT, max_hist = TT_MAX_HIST, max_runq = TT_MAX_RUNQ_PIDS, filter_dev;

static __u32 env_device(const char *name)
{
	const char *v = getenv(name);
	unsigned int major, minor;
	char extra;

	if (!v || !*v)
		return 0;
	if (sscanf(v, "%u:%u%c", &major, &minor, &extra) != 2 || major >= (1u << 12) || minor >= (1u << 20))
		die(EXIT_OTHER, "bad %s=%s (major:minor)", name, v);
	return (major << 20) | minor;
}

static __u32 env_size(const char *name, __u32 dflt)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 1 || n > (1L << 22))
		die(EXIT_OTHER, "bad %s=%s (1..4194304)", name, v);
	return (__u32)n;
}

static void usage(FILE *f)
{
	fputs("usage: tailtop-bpf [--interval-ms N] [--no-runq] [--no-block] [--cgroup-mode auto|v1|v2] | --version\n", f);
}

static void print_version(void)
{
#if defined(__x86_64__)
	const char *arch = "x86_64";
#elif defined(__aarch64__)
	const char *arch = "aarch64";
#else
	const char *arch = "other";
#endif
	printf("tailtop-bpf protocol=%d source-sha256=%s libbpf=%u.%u link=%s arch=%s\n", PROTOCOL_VERSION,
	       TAILTOP_SOURCE_HASH, libbpf_major_version(), libbpf_minor_version(), TAILTOP_LINK, arch);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *mode = "auto";
	int i;

	o->interval_ms = 1000;
	o->block = o->runq = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char *end;

		if (!strcmp(a, "--no-runq")) {
			o->runq = false;
		} else if (!strcmp(a, "--no-block")) {
			o->block = false;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			print_version();
			exit(0);
		} else if (!strncmp(a, "--interval-ms", 13) || !strncmp(a, "--cgroup-mode", 13)) {
			if (a[13] == '=')
				val = a + 14;
			else if (a[13] == 0 && i + 1 < argc)
				val = argv[++i];
			else
				die(EXIT_OTHER, "bad argument %s (want %s N or %s=N)", a, a, a);
			if (a[2] == 'i') {
				errno = 0;
				o->interval_ms = strtol(val, &end, 10);
				if (errno || *end || o->interval_ms < 10 || o->interval_ms > 3600000)
					die(EXIT_OTHER, "bad --interval-ms %s (10..3600000)", val);
			} else {
				mode = val;
			}
		} else {
			usage(stderr);
			die(EXIT_OTHER, "unknown argument %s", a);
		}
	}
	if (!strcmp(mode, "v1"))
		o->cgmode = TT_CGROUP_V1;
	else if (!strcmp(mode, "v2"))
		o->cgmode = TT_CGROUP_V2;
	else if (!strcmp(mode, "auto"))
		o->cgmode = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? TT_CGROUP_V2 : TT_CGROUP_V1;
	else
		die(EXIT_OTHER, "bad --cgroup-mode %s (auto|v1|v2)", mode);
}

/* ---------------------------------------------------------------------------------- load */

static int load(struct tailtop **out, const struct opts *o, bool allow_btf)
{
	struct tailtop *skel;
	struct btf *vmlinux = allow_btf ? btf__load_vmlinux_btf() : NULL;
	int i, err;

	skel = tailtop__open();
	if (!skel) {
		err = -errno;
		btf__free(vmlinux);
		return err ? err : -EINVAL;
	}
	skel->rodata->block_cgroup_mode = o->cgmode;
	skel->rodata->runq_cgroup_mode = o->cgmode;
	skel->rodata->filter_dev = filter_dev;
	bpf_map__set_max_entries(skel->maps.rq_starts, max_inflight);
	bpf_map__set_max_entries(skel->maps.runq_starts, max_runq);
	bpf_map__set_max_entries(skel->maps.hist_a, max_hist);
	bpf_map__set_max_entries(skel->maps.hist_b, max_hist);
	/* (the map-in-map's template keeps its size: the kernel does not compare max_entries of hash maps) */
	bind_programs(skel);
	for (i = 0; i < NPROGS; i++) {
		struct prog_pair *pp = &progs[i];
		bool want = pp->block ? o->block : o->runq;
		bool btf = want && has_btf_tracepoint(vmlinux, pp->name);

		pp->mode = !want ? NULL : btf ? "tp_btf" : "raw_tp";
		bpf_program__set_autoload(pp->btf, want && btf);
		bpf_program__set_autoload(pp->raw, want && !btf);
	}
	btf__free(vmlinux);
	/* the histogram maps are only needed by the enabled families, but they are tiny when
	 * empty (prealloc: max_entries * value size; see tailtop.h) */
	err = tailtop__load(skel);
	if (err) {
		tailtop__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/* ---------------------------------------------------------------------------------- draining */

struct entry {
	struct hist_key k;
	struct hist v;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct hist_key *x = &((const struct entry *)a)->k, *y = &((const struct entry *)b)->k;

	if (x->kind == TT_KIND_RUNQ || y->kind == TT_KIND_RUNQ) {
		if ((x->kind == TT_KIND_RUNQ) != (y->kind == TT_KIND_RUNQ))
			return x->kind == TT_KIND_RUNQ ? 1 : -1;
	}
	if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
	if (x->op != y->op) return x->op < y->op ? -1 : 1;
	if (x->cgroup != y->cgroup) return x->cgroup < y->cgroup ? -1 : 1;
	if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
	return 0;
}

static struct entry *entries;

/* Reads and empties the idle histogram map; returns the number of entries. */
static size_t drain(int fd)
{
	struct hist_key key, next;
	size_t n = 0, i;
	void *prev = NULL;

	while (n < max_hist && bpf_map_get_next_key(fd, prev, &next) == 0) {
		entries[n].k = next;
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &next, &entries[n].v) == 0)
			n++;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &entries[i].k);
	/* anything left (deleted keys confuse get_next_key only on concurrent writers; there are
	 * none on the idle map) */
	while (bpf_map_get_next_key(fd, NULL, &next) == 0)
		if (bpf_map_delete_elem(fd, &next))
			break;
	qsort(entries, n, sizeof(entries[0]), cmp_entry);
	return n;
}

static void put_hist(FILE *f, const struct hist *h)
{
	bool first = true;
	int i;

	fputc('[', f);
	for (i = 0; i < TT_BUCKETS; i++) {
		if (!h->slots[i])
			continue;
		fprintf(f, "%s[%d,%llu]", first ? "" : ",", i, (unsigned long long)h->slots[i]);
		first = false;
	}
	fputc(']', f);
}

/* Names of the counters (enum tt_counter) in the interval line: "lost" ones, then the others. */
static const char *const lost_names[] = {
	[TT_BLOCK_START_DROPPED] = "blockStartDropped", [TT_BLOCK_NO_START] = "blockNoStart",
	[TT_BLOCK_NO_START_BYTES] = "blockNoStartBytes", [TT_BLOCK_STALE] = "blockStale",
	[TT_HIST_FULL] = "histFull", [TT_HIST_FULL_BYTES] = "histFullBytes",
	[TT_RUNQ_START_DROPPED] = "runqStartDropped",
};

static void print_interval(unsigned long long seq, __u64 mono, __u64 interval, size_t n, const __u64 *delta,
			   long long flush)
{
	static const struct hist empty;
	char *buf = NULL;
	size_t len = 0, i, j;
	bool first = true;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		die(EXIT_OTHER, "out of memory");
	fprintf(f, "{\"type\":\"interval\",\"seq\":%llu,\"monoNs\":%llu,\"intervalNs\":%llu,",
		seq, (unsigned long long)mono, (unsigned long long)interval);
	if (flush >= 0)
		fprintf(f, "\"flush\":%lld,", flush);
	fputs("\"block\":[", f);
	/* entries are sorted by (dev, op, cgroup, kind): service then total for one row */
	for (i = 0; i < n && entries[i].k.kind != TT_KIND_RUNQ; i = j) {
		const struct hist *svc = &empty, *tot = &empty;
		const struct hist_key *k = &entries[i].k;

		for (j = i; j < n && entries[j].k.kind != TT_KIND_RUNQ && entries[j].k.dev == k->dev &&
			    entries[j].k.op == k->op && entries[j].k.cgroup == k->cgroup; j++) {
			if (entries[j].k.kind == TT_KIND_SERVICE)
				svc = &entries[j].v;
			else
				tot = &entries[j].v;
		}
		if (!svc->count)
			continue;
		fprintf(f, "%s{\"major\":%u,\"minor\":%u,\"op\":\"%s\",\"cgroup\":%llu,\"count\":%llu,"
			   "\"bytes\":%llu,\"maxNs\":%llu,\"totalMaxNs\":%llu,\"service\":",
			first ? "" : ",", k->dev >> 20, k->dev & ((1u << 20) - 1), op_name(k->op),
			(unsigned long long)k->cgroup, (unsigned long long)svc->count,
			(unsigned long long)svc->bytes, (unsigned long long)svc->max,
			(unsigned long long)(tot != &empty ? tot->max : svc->max));
		put_hist(f, svc);
		fputs(",\"total\":", f);
		put_hist(f, tot != &empty ? tot : svc);
		fputc('}', f);
		first = false;
	}
	fputs("],\"runq\":[", f);
	first = true;
	for (; i < n; i++) {
		const struct entry *e = &entries[i];

		if (e->k.kind != TT_KIND_RUNQ || !e->v.count)
			continue;
		fprintf(f, "%s{\"cgroup\":%llu,\"count\":%llu,\"maxNs\":%llu,\"hist\":", first ? "" : ",",
			(unsigned long long)e->k.cgroup, (unsigned long long)e->v.count,
			(unsigned long long)e->v.max);
		put_hist(f, &e->v);
		fputc('}', f);
		first = false;
	}
	fputs("],\"lost\":{", f);
	for (i = 0; i <= TT_RUNQ_START_DROPPED; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "", lost_names[i], (unsigned long long)delta[i]);
	fprintf(f, "},\"partial\":{\"count\":%llu,\"bytes\":%llu},\"merged\":%llu}\n",
		(unsigned long long)delta[TT_BLOCK_PARTIAL], (unsigned long long)delta[TT_BLOCK_PARTIAL_BYTES],
		(unsigned long long)delta[TT_BLOCK_MERGED]);
	if (fclose(f))
		die(EXIT_OTHER, "out of memory");
	emit(buf, len);
}

static void print_hello(const struct opts *o)
{
	char devbuf[48] = "";
	char *buf = NULL;
	size_t len = 0;
	bool first = true;
	int i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		die(EXIT_OTHER, "out of memory");
	if (filter_dev)
		snprintf(devbuf, sizeof(devbuf), ",\"device\":\"%u:%u\"", filter_dev >> 20, filter_dev & ((1u << 20) - 1));
	fprintf(f, "{\"type\":\"hello\",\"version\":%d,\"pid\":%d,\"intervalMs\":%ld,\"programs\":{",
		PROTOCOL_VERSION, (int)getpid(), o->interval_ms);
	for (i = 0; i < NPROGS; i++) {
		const struct prog_pair *pp = &progs[hello_order[i]];

		if (!pp->link)
			continue;
		fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", pp->name, pp->mode);
		first = false;
	}
	fputs("},\"failed\":{", f);
	first = true;
	for (i = 0; i < NPROGS; i++) {
		const struct prog_pair *pp = &progs[hello_order[i]];

		if (!pp->failed)
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", pp->name);
		json_str(f, pp->failed);
		first = false;
	}
	fprintf(f, "},\"cgroup\":{\"block\":\"%s\",\"runq\":\"%s\"},"
		   "\"histogram\":{\"unit\":\"ns\",\"subBucketBits\":%d,\"buckets\":%d},"
		   "\"maps\":{\"inflight\":%u,\"hist\":%u,\"runq\":%u}%s}\n",
		o->cgmode == TT_CGROUP_V2 ? "v2" : "v1-blkio", o->cgmode == TT_CGROUP_V2 ? "v2" : "v1-cpu",
		TT_SUB_BUCKET_BITS, TT_BUCKETS, max_inflight, max_hist, max_runq, devbuf);
	if (fclose(f))
		die(EXIT_OTHER, "out of memory");
	emit(buf, len);
}

/* ---------------------------------------------------------------------------------- stdin requests */

#define REQ_EOF (-2)
#define REQ_NONE (-1)

/* Reads what is on stdin: REQ_EOF at end-of-file, else the largest "flush N [at T]" token seen (REQ_NONE
 * when none), its time in *at (0 for "now"). Partial lines wait for the next read; overlong lines are
 * dropped. */
static long long read_requests(int fd, __u64 *at)
{
	static char line[128];
	static size_t len;
	static bool overlong;
	char buf[512];
	long long token = REQ_NONE;
	ssize_t got, i;

	got = read(fd, buf, sizeof(buf));
	if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN))
		return REQ_EOF;
	for (i = 0; i < got; i++) {
		char c = buf[i];

		if (c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			else
				overlong = true;
			continue;
		}
		line[len] = 0;
		if (!overlong && !strncmp(line, "flush ", 6)) {
			char *end, *end2;
			long long v;
			unsigned long long t = 0;

			errno = 0;
			v = strtoll(line + 6, &end, 10);
			if (!errno && end != line + 6 && !strncmp(end, " at ", 4)) {
				t = strtoull(end + 4, &end2, 10);
				end = errno || end2 == end + 4 ? end : end2;
			}
			if (!errno && *end == 0 && end != line + 6 && v >= 0 && v > token) {
				token = v;
				*at = t;
			}
		}
		len = 0;
		overlong = false;
	}
	return token;
}

/* Waits until CLOCK_MONOTONIC reaches `at` (ns; 0 or past: no wait; more than a second ahead: taken as
 * now): sleeps until 3 ms before, then watches the clock, so that the cut does not depend on how soon the
 * scheduler wakes us. */
static void wait_until(__u64 at)
{
	__u64 now = mono_ns();
	struct timespec ts;

	if (at <= now || at - now > 1000000000ULL)
		return;
	if (at - now > 3000000ULL) {
		__u64 wake = at - 3000000ULL;

		ts.tv_sec = (time_t)(wake / 1000000000ULL);
		ts.tv_nsec = (long)(wake % 1000000000ULL);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_signal)
			;
	}
	while (mono_ns() < at && !stop_signal)
		;
}

/* Removes starts older than STALE_START_NS (requests freed without completing); returns how many. */
static __u64 age_starts(int fd, __u64 now)
{
	__u64 key, next, removed = 0, *prev = NULL;
	struct rq_start s;
	__u32 visited = 0;

	while (visited++ < 2 * max_inflight && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &s))
			continue;
		if (now - (s.issue_ns > s.insert_ns ? s.issue_ns : s.insert_ns) > STALE_START_NS &&
		    bpf_map_delete_elem(fd, &key) == 0)
			removed++;
	}
	return removed;
}

/* ---------------------------------------------------------------------------------- main */

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Never outlive tailtop: SIGTERM when the parent dies, and check it did not die already. */
static void follow_parent(void)
{
	pid_t parent = getppid();

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		die(EXIT_OTHER, "parent exited before start");
}

/* SIGTERM/SIGINT end the loop (and the helper, exit 0); a closed stdout is an error on write, not a signal. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The kernel's BTF, the map sizes and the device filter from the environment, the drain buffer. */
static void configure(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		die(EXIT_NOBTF, "kernel has no BTF (/sys/kernel/btf/vmlinux: %s); CO-RE needs CONFIG_DEBUG_INFO_BTF=y",
		    strerror(errno));
	libbpf_set_print(libbpf_print);
	max_inflight = env_size("TAILTOP_BPF_MAX_INFLIGHT", TT_MAX_INFLIGHT);
	max_hist = env_size("TAILTOP_BPF_MAX_HIST", TT_MAX_HIST);
	max_runq = env_size("TAILTOP_BPF_MAX_RUNQ", TT_MAX_RUNQ_PIDS);
	filter_dev = env_device("TAILTOP_BPF_DEVICE");
	entries = calloc(max_hist, sizeof(*entries));
	if (!entries)
		die(EXIT_OTHER, "out of memory");
}

/* Loads the programs with tp_btf, or with the raw_tp variants when tp_btf is refused; dies on failure. */
static struct tailtop *load_programs(const struct opts *o)
{
	struct tailtop *skel = NULL;
	int err;

	/* TAILTOP_BPF_FORCE_RAW_TP=1 exercises the fallback on a kernel that has tp_btf */
	err = load(&skel, o, !(getenv("TAILTOP_BPF_FORCE_RAW_TP") && *getenv("TAILTOP_BPF_FORCE_RAW_TP") == '1'));
	if (err && err != -EPERM) {
		/* tp_btf refused (old kernel, verifier): try the raw_tp variants */
		warnline("tp_btf load failed (%s: %s), retrying with raw_tp", strerror(-err), last_libbpf_msg);
		err = load(&skel, o, false);
	}
	if (err) {
		if (err == -EPERM)
			die(EXIT_EPERM, "not permitted to load BPF programs (%s): needs root or CAP_BPF+CAP_PERFMON (sudo tailtop setup); %s",
			    strerror(-err), last_libbpf_msg);
		die(EXIT_OTHER, "loading BPF programs failed: %s; %s", strerror(-err), last_libbpf_msg);
	}
	return skel;
}

/* Attaches every loaded program; a program that does not attach is listed in hello.failed. Returns how
 * many attached. */
static int attach_programs(void)
{
	int i, attached = 0;

	for (i = 0; i < NPROGS; i++) {
		struct prog_pair *pp = &progs[i];
		struct bpf_program *prog;

		if (!pp->mode)
			continue;
		prog = strcmp(pp->mode, "tp_btf") == 0 ? pp->btf : pp->raw;
		pp->link = bpf_program__attach(prog);
		if (!pp->link) {
			snprintf(pp->failbuf, sizeof(pp->failbuf), "%s attach: %s", pp->mode, strerror(errno));
			pp->failed = pp->failbuf;
			continue;
		}
		attached++;
	}
	return attached;
}

static void detach_programs(void)
{
	int i;

	for (i = 0; i < NPROGS; i++)
		bpf_link__destroy(progs[i].link);
}

/* The interval loop's state. */
struct run {
	struct tailtop *skel;
	__u64 interval_ns;
	int stdin_fd;			/* -1: no stdin at all (rely on PDEATHSIG) */
	int outer_fd, map_fd[2], active; /* hists[0] points at map_fd[active] */
	__u64 last_at, next_at, scan_at;
	__u64 stale, seen[TT_COUNTERS];
	unsigned long long seq;
};

/* Waits for the interval's end or a request on stdin. Returns false when the helper should stop (EOF or
 * hang-up on stdin); sets *flush to the request's token (REQ_NONE for none), after waiting for its time. */
static bool wait_for_cut(struct run *r, long long *flush)
{
	for (;;) {
		__u64 now = mono_ns(), flush_at = 0;
		struct pollfd pfd = { .fd = r->stdin_fd, .events = POLLIN };
		int timeout, n;

		*flush = REQ_NONE;
		if (stop_signal)
			return false;
		/* stdin first, so that a flush request due at the same time as the timer gets its own answer */
		timeout = now >= r->next_at ? 0 : (int)((r->next_at - now + 999999) / 1000000);
		n = poll(r->stdin_fd >= 0 ? &pfd : NULL, r->stdin_fd >= 0 ? 1 : 0, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_OTHER, "poll: %s", strerror(errno));
		}
		if (n > 0) {
			if (pfd.revents & POLLNVAL) {
				r->stdin_fd = -1; /* no stdin at all: rely on PDEATHSIG */
			} else if (pfd.revents & POLLIN) {
				*flush = read_requests(r->stdin_fd, &flush_at);
				if (*flush == REQ_EOF)
					return false; /* EOF: tailtop is gone or wants us gone */
				if (*flush >= 0)
					wait_until(flush_at);
			} else if (pfd.revents & (POLLHUP | POLLERR)) {
				return false;
			}
		}
		return true;
	}
}

/* Ends the interval at `now`: swaps the histogram maps, drains the old one, ages out stale starts every
 * STALE_SCAN_NS, and prints the interval with the counters' deltas. */
static void end_interval(struct run *r, __u64 now, long long flush)
{
	__u64 delta[TT_COUNTERS];
	__u32 zero = 0;
	size_t n;
	int i;

	/* The counters are read just before the maps are swapped: the update waits until running programs
	 * are done with the old map (an RCU grace period, tens of ms on a busy machine), and events counted
	 * during that wait belong to the next interval, as their histogram rows do. */
	for (i = 0; i < TT_COUNTERS; i++) {
		if (i == TT_BLOCK_STALE)
			continue;
		__u64 v = __atomic_load_n(&r->skel->bss->tt_counters[i], __ATOMIC_RELAXED);

		delta[i] = v - r->seen[i];
		r->seen[i] = v;
	}
	/* The interval ends when hists[0] points at the other map: events from then on go there.
	 * The update returns after running programs are done with the old map. */
	if (bpf_map_update_elem(r->outer_fd, &zero, &r->map_fd[!r->active], BPF_ANY))
		die(EXIT_OTHER, "swapping histogram maps: %s", strerror(errno));
	n = drain(r->map_fd[r->active]);
	r->active = !r->active;
	if (now >= r->scan_at) {
		r->stale += age_starts(bpf_map__fd(r->skel->maps.rq_starts), now);
		r->scan_at = now + STALE_SCAN_NS;
	}
	delta[TT_BLOCK_STALE] = r->stale - r->seen[TT_BLOCK_STALE];
	r->seen[TT_BLOCK_STALE] = r->stale;
	print_interval(++r->seq, now, now - r->last_at, n, delta, flush);
	r->last_at = now;
	r->next_at = flush >= 0 ? now + r->interval_ns : r->next_at + r->interval_ns;
	if (r->next_at <= now) /* we fell behind (stopped, slow): realign */
		r->next_at = now + r->interval_ns;
}

/* Prints an interval every interval_ms, or at once on a flush request, until stdin closes or a signal. */
static void run_intervals(struct tailtop *skel, const struct opts *o)
{
	struct run r = { .skel = skel, .interval_ns = (__u64)o->interval_ms * 1000000ULL, .stdin_fd = 0 };
	long long flush;

	r.outer_fd = bpf_map__fd(skel->maps.hists);
	r.map_fd[0] = bpf_map__fd(skel->maps.hist_a);
	r.map_fd[1] = bpf_map__fd(skel->maps.hist_b);
	r.active = 0; /* hists[0] starts out pointing at hist_a */
	r.last_at = mono_ns();
	r.next_at = r.last_at + r.interval_ns;
	r.scan_at = r.last_at + STALE_SCAN_NS;
	while (wait_for_cut(&r, &flush)) {
		__u64 now = mono_ns();

		if (flush >= 0 || now >= r.next_at)
			end_interval(&r, now, flush);
	}
}

int main(int argc, char **argv)
{
	struct tailtop *skel;
	struct opts o;
	int attached;

	follow_parent();
	debug = getenv("TAILTOP_BPF_DEBUG") && *getenv("TAILTOP_BPF_DEBUG") == '1';
	parse_args(argc, argv, &o);
	catch_signals();
	configure();
	skel = load_programs(&o);
	attached = attach_programs();
	/* A flush request should be answered at once, whatever else runs: like atop, take a higher priority
	 * when allowed (root or CAP_SYS_NICE; otherwise this fails and nothing changes). The helper sleeps
	 * nearly all the time, so it takes little from others. */
	setpriority(PRIO_PROCESS, 0, -10);
	print_hello(&o);
	if (!attached)
		die(EXIT_OTHER, "no program attached (%s)", last_libbpf_msg[0] ? last_libbpf_msg : "see hello.failed");
	run_intervals(skel, &o);
	detach_programs();
	tailtop__destroy(skel);
	free(entries);
	return 0;
}
