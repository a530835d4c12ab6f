/* SPDX-License-Identifier: MIT */
/*
 * tailtop.h: types and the bucket function shared by the kernel side (tailtop.bpf.c), the loader
 * (loader.c) and a host-compiled test (test/unit/bucket-c.test.ts compares tt_bucket_of with the
 * TypeScript bucketIndex). The protocol the loader speaks is docs/ebpf-protocol.md.
 * Needs __u32/__u64 (vmlinux.h on the kernel side, <linux/types.h> elsewhere).
 */
#ifndef TAILTOP_H
#define TAILTOP_H

/* Log-linear histogram (docs/ebpf-protocol.md, "Histogram buckets"):
 * v < 8 -> bucket v; v >= 8 -> (p - 2) * 8 + ((v >> (p - 3)) & 7), p = floor(log2 v);
 * clamped to the last bucket (lower bound 15 << 38 ns, about 68.7 minutes). */
#define TT_SUB_BUCKET_BITS 3
#define TT_BUCKETS 320

/* hist_key.kind */
#define TT_KIND_SERVICE 0 /* block: issue -> complete */
#define TT_KIND_TOTAL 1   /* block: insert -> complete (= service when never inserted) */
#define TT_KIND_RUNQ 2    /* run queue: wakeup -> running; dev and op are 0 */

/* cgroup_mode knob */
#define TT_CGROUP_V1 1
#define TT_CGROUP_V2 2

/* Default start-map and histogram-map sizes (the loader may change them before load). */
#define TT_MAX_INFLIGHT 16384
#define TT_MAX_RUNQ_PIDS 32768
#define TT_MAX_HIST 1024

/* Counters of events the helper could not use, or folded, by cause (indices of the BPF global
 * tt_counters; docs/ebpf-protocol.md, "lost"). Monotonic; the loader prints per-interval deltas. */
enum tt_counter {
	TT_BLOCK_START_DROPPED = 0, /* block issue not recorded: start map full (the request goes untimed) */
	TT_BLOCK_NO_START,          /* request completed with no recorded start */
	TT_BLOCK_NO_START_BYTES,    /* bytes of those completions (partial ones included) */
	TT_BLOCK_STALE,             /* starts removed by the loader: never completed (aged out) */
	TT_HIST_FULL,               /* events not counted: histogram map full */
	TT_HIST_FULL_BYTES,         /* bytes of those block completions */
	TT_RUNQ_START_DROPPED,      /* wakeups not recorded: run-queue start map full */
	TT_BLOCK_PARTIAL,           /* partial completions, folded into their request (not lost) */
	TT_BLOCK_PARTIAL_BYTES,     /* their bytes (counted with the request's final completion) */
	TT_BLOCK_MERGED,            /* requests merged into another before issue (start dropped, not lost) */
	TT_COUNTERS
};

struct hist_key {
	__u32 dev;    /* major << 20 | minor (the kernel's MKDEV), 0 for runq */
	__u8 op;      /* cmd_flags & REQ_OP_MASK, 0 for runq */
	__u8 kind;    /* TT_KIND_* */
	__u16 pad;
	__u64 cgroup; /* cgroup id (kernfs inode of the cgroup directory), 0 when unknown */
};

struct hist {
	__u64 count;
	__u64 bytes; /* block only */
	__u64 max;   /* ns, raised with compare-and-swap: never below a recorded value */
	__u64 slots[TT_BUCKETS];
};

/* Per in-flight block request, keyed by the struct request pointer. */
struct rq_start {
	__u64 insert_ns;     /* 0 when issued without being inserted */
	__u64 issue_ns;      /* 0 until issued */
	__u64 cgroup;        /* cgroup of the task that inserted or issued it (bio blkcg preferred) */
	__u64 partial_bytes; /* bytes of earlier partial completions of this request */
	__u32 flags;         /* RQ_REQUEUED (tailtop.bpf.c) */
	__u32 pad;
};

/* floor(log2(v)) for v > 0, branch-free (no loop, no clz: BPF has no such instruction). */
static inline __attribute__((always_inline)) __u32 tt_msb64(__u64 v)
{
	__u32 r, s;

	r = (v > 0xffffffffULL) << 5; v >>= r;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (__u32)(v >> 1);
	return r;
}

/* The protocol's bucket index (docs/ebpf-protocol.md). */
static inline __attribute__((always_inline)) __u32 tt_bucket_of(__u64 v)
{
	__u32 p, i;

	if (v < 8)
		return (__u32)v;
	p = tt_msb64(v);
	i = (p - 2) * 8 + (__u32)((v >> (p - 3)) & 7);
	if (i > TT_BUCKETS - 1)
		i = TT_BUCKETS - 1;
	return i;
}

#endif /* TAILTOP_H */
