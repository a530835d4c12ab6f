/* SPDX-License-Identifier: MIT */
/*
 * tailtop.h: types shared by the kernel side (tailtop.bpf.c) and the loader (tailtop-bpf.c).
 * The protocol the loader speaks is docs/ebpf-protocol.md.
 */
#ifndef TAILTOP_H
#define TAILTOP_H

/* Log-linear histogram (docs/ebpf-protocol.md, "Histogram buckets"):
 * v < 8 -> bucket v; v >= 8 -> (p - 2) * 8 + ((v >> (p - 3)) & 7), p = floor(log2 v);
 * clamped to the last bucket. */
#define TT_SUB_BUCKET_BITS 3
#define TT_BUCKETS 320

/* hist_key.kind */
#define TT_KIND_SERVICE 0 /* block: issue -> complete */
#define TT_KIND_TOTAL 1   /* block: insert -> complete (= service when never inserted) */
#define TT_KIND_RUNQ 2    /* run queue: wakeup -> running; dev and op are 0 */

/* cgroup_mode knob */
#define TT_CGROUP_V1 1
#define TT_CGROUP_V2 2

/* Start-map and histogram-map sizes. */
#define TT_MAX_INFLIGHT 16384
#define TT_MAX_RUNQ_PIDS 32768
#define TT_MAX_HIST 1024

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
	__u64 max;   /* ns */
	__u64 slots[TT_BUCKETS];
};

/* Per in-flight block request, keyed by the struct request pointer. */
struct rq_start {
	__u64 insert_ns; /* 0 when issued without being inserted */
	__u64 issue_ns;  /* 0 until issued */
	__u64 cgroup;    /* cgroup of the task that inserted or issued it (bio blkcg preferred) */
};

#endif /* TAILTOP_H */
