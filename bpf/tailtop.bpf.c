// SPDX-License-Identifier: GPL-2.0
/*
 * tailtop.bpf.c: in-kernel latency histograms for tailtop (CO-RE, libbpf).
 *
 * Block I/O: block_rq_insert / block_rq_issue / block_rq_complete, keyed by the struct request
 * pointer in a start map. At the request's final completion two histograms are updated:
 * service = complete - issue and total = complete - insert (= service when the request was issued
 * without being inserted). Partial completions (a driver completing a request in pieces) are folded
 * into the request: their bytes are added to its final completion. block_rq_merge drops the start of
 * a request merged into another (it never completes); block_rq_requeue marks a request so that its
 * re-insert keeps the original insert time and partial bytes. Starts the loader finds older than
 * its limit (requests freed without completing) are aged out by the loader and counted.
 *
 * Nothing is lost silently: every event that cannot be used is counted by cause in tt_counters
 * (tailtop.h, enum tt_counter); the loader prints per-interval deltas.
 *
 * Run queue: sched_wakeup / sched_wakeup_new stamp the woken pid; sched_switch stamps prev when it was
 * preempted or is still TASK_RUNNING (it stays on the run queue), removes prev's stamp when it blocks, and
 * records stamp -> running for next, under next's cgroup.
 *
 * Every program exists twice: tp_btf (preferred: typed arguments, direct BTF pointer reads) and
 * raw_tp (fallback: arguments from the raw context, reads through bpf_probe_read_kernel). The
 * loader turns autoload off for the variant it does not use.
 *
 * Histograms live in two identical hash maps (hist_a, hist_b) behind a one-slot ARRAY_OF_MAPS
 * (hists). Programs look up hists[0] and write into whichever map it points at. The loader swaps
 * the slot to the other map once per interval; the kernel waits for running programs (an RCU
 * grace period) before that update returns, so the map it then drains is no longer written to and
 * no event is lost between reading and clearing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tailtop.h"

char LICENSE[] SEC("license") = "GPL";

#define REQ_OP_MASK 0xff
#define TASK_RUNNING 0
#define MINORBITS 20

/* Knobs, set by the loader before load. */
const volatile int block_cgroup_mode = TT_CGROUP_V1;
const volatile int runq_cgroup_mode = TT_CGROUP_V1;
const volatile __u32 filter_dev = 0; /* 0: every device, else MKDEV(major, minor) */

/* Counters by cause (enum tt_counter); the loader reports per-interval deltas. */
__u64 tt_counters[TT_COUNTERS] = {};

#define RQ_REQUEUED 1

/* An all-zero value to create histogram entries from (too big for the BPF stack). */
static struct hist zero_hist;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_MAX_INFLIGHT);
	__type(key, __u64); /* struct request * */
	__type(value, struct rq_start);
} rq_starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_MAX_RUNQ_PIDS);
	__type(key, __u32); /* pid (thread id) */
	__type(value, __u64); /* wakeup ns */
} runq_starts SEC(".maps");

struct hist_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_MAX_HIST);
	__type(key, struct hist_key);
	__type(value, struct hist);
} hist_a SEC(".maps"), hist_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct hist_map);
} hists SEC(".maps") = {
	.values = { &hist_a },
};

/* Older kernel layouts, for CO-RE field checks. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* Field reads: tp_btf programs dereference BTF pointers directly (the verifier allows it; a fault
 * reads as zero), raw_tp programs must go through bpf_probe_read_kernel (BPF_CORE_READ). The helpers
 * below take `btf` as a compile-time constant, so each program keeps only its own variant. */

static __always_inline void count(enum tt_counter c, __u64 n)
{
	__sync_fetch_and_add(&tt_counters[c], n);
}

/* *m = max(*m, v) without losing a larger value written by another CPU: compare-and-swap until our
 * value is in or a larger one is. Each failed attempt means another CPU raised the maximum in the
 * meantime; the bound is for the verifier (64 raises racing with one update do not happen). */
static __always_inline void raise_max(__u64 *m, __u64 v)
{
	__u64 old = *m, seen;
	int i;

	for (i = 0; i < 64 && v > old; i++) {
		seen = __sync_val_compare_and_swap(m, old, v);
		if (seen == old)
			return;
		old = seen;
	}
}

/* The map events go to now: hists[0]. Look it up once per event, so that the rows one event updates
 * (service and total) are in the same interval's map even when the loader swaps in between. */
static __always_inline void *current_hists(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&hists, &zero);
}

static __always_inline void hist_add(void *inner, struct hist_key *key, __u64 v, __u64 bytes, bool count_it)
{
	struct hist *h;
	__u32 i;

	h = bpf_map_lookup_elem(inner, key);
	if (!h) {
		bpf_map_update_elem(inner, key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(inner, key);
		if (!h) {
			/* counted once per event (the service row), with its bytes */
			if (count_it) {
				count(TT_HIST_FULL, 1);
				if (bytes)
					count(TT_HIST_FULL_BYTES, bytes);
			}
			return;
		}
	}
	i = tt_bucket_of(v);
	/* keep the bound visible to the verifier whatever the compiler did above */
	asm volatile("%0 &= 511" : "+r"(i));
	if (i >= TT_BUCKETS)
		i = TT_BUCKETS - 1;
	__sync_fetch_and_add(&h->slots[i], 1);
	if (count_it) {
		__sync_fetch_and_add(&h->count, 1);
		if (bytes)
			__sync_fetch_and_add(&h->bytes, bytes);
	}
	raise_max(&h->max, v);
}

/* ------------------------------------------------------------------------------ cgroups */

/* Cgroup id of a task: v2 = its unified cgroup, v1 = its cgroup in the hierarchy of subsystem
 * `ss` (io_cgrp_id -> blkio, cpu_cgrp_id -> cpu). */
static __always_inline __u64 task_cgroup(struct task_struct *t, int mode, int ss, const bool btf)
{
	struct css_set *cs = btf ? t->cgroups : BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css;

	if (!cs)
		return 0;
	if (mode == TT_CGROUP_V2)
		return btf ? cs->dfl_cgrp->kn->id : BPF_CORE_READ(cs, dfl_cgrp, kn, id);
	if (ss < 0 || ss >= 16)
		return 0;
	if (btf) {
		css = cs->subsys[ss];
		return css ? css->cgroup->kn->id : 0;
	}
	css = NULL;
	bpf_probe_read_kernel(&css, sizeof(css), (void *)cs + bpf_core_field_offset(struct css_set, subsys) + ss * sizeof(void *));
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline int io_subsys_id(void)
{
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
		return bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id);
	return -1;
}

static __always_inline int cpu_subsys_id(void)
{
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
		return bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
	return -1;
}

/* Cgroup of a block request: its bio's blkcg when that cgroup is in the wanted hierarchy,
 * else the current task's. */
static __always_inline __u64 rq_cgroup(struct request *rq, const bool btf)
{
	int mode = block_cgroup_mode;

	if (bpf_core_field_exists(struct bio, bi_blkg)) {
		struct bio *bio = btf ? rq->bio : BPF_CORE_READ(rq, bio);
		struct blkcg_gq *blkg = bio ? (btf ? bio->bi_blkg : BPF_CORE_READ(bio, bi_blkg)) : NULL;
		struct blkcg *blkcg = blkg ? (btf ? blkg->blkcg : BPF_CORE_READ(blkg, blkcg)) : NULL;
		struct cgroup *cg = blkcg ? (btf ? blkcg->css.cgroup : BPF_CORE_READ(blkcg, css.cgroup)) : NULL;

		if (cg) {
			/* hierarchy 0 is the unified (v2) hierarchy */
			int hid = btf ? cg->root->hierarchy_id : BPF_CORE_READ(cg, root, hierarchy_id);

			if ((mode == TT_CGROUP_V2) == (hid == 0))
				return btf ? cg->kn->id : BPF_CORE_READ(cg, kn, id);
		}
	}
	if (mode == TT_CGROUP_V2)
		return bpf_get_current_cgroup_id();
	return task_cgroup(btf ? bpf_get_current_task_btf() : (struct task_struct *)bpf_get_current_task(),
			   mode, io_subsys_id(), btf);
}

/* ------------------------------------------------------------------------------ block */

static __always_inline __u32 rq_dev(struct request *rq, const bool btf)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(struct request_queue, disk))
		disk = btf ? rq->q->disk : BPF_CORE_READ(rq, q, disk);
	else
		disk = BPF_CORE_READ((struct request___old *)rq, rq_disk);
	if (!disk)
		return 0;
	if (btf)
		return ((__u32)disk->major << MINORBITS) | (__u32)disk->first_minor;
	return ((__u32)BPF_CORE_READ(disk, major) << MINORBITS) | (__u32)BPF_CORE_READ(disk, first_minor);
}

static __always_inline int on_insert(struct request *rq, const bool btf)
{
	struct rq_start s = {}, *sp;
	__u64 k = (__u64)rq;

	if (filter_dev && rq_dev(rq, btf) != filter_dev)
		return 0;
	sp = bpf_map_lookup_elem(&rq_starts, &k);
	if (sp && (sp->flags & RQ_REQUEUED)) {
		/* re-inserted after a requeue: keep the first insert time and the partial bytes */
		sp->flags &= ~RQ_REQUEUED;
		return 0;
	}
	s.insert_ns = bpf_ktime_get_ns();
	s.cgroup = rq_cgroup(rq, btf);
	/* when the map is full, the issue tries again (and counts the drop if it fails too) */
	bpf_map_update_elem(&rq_starts, &k, &s, BPF_ANY);
	return 0;
}

static __always_inline int on_issue(struct request *rq, const bool btf)
{
	__u64 k = (__u64)rq, now;
	struct rq_start *sp, s = {};

	if (filter_dev && rq_dev(rq, btf) != filter_dev)
		return 0;
	now = bpf_ktime_get_ns();
	sp = bpf_map_lookup_elem(&rq_starts, &k);
	if (sp) {
		sp->issue_ns = now;
		sp->flags &= ~RQ_REQUEUED;
		return 0;
	}
	s.issue_ns = now;
	s.cgroup = rq_cgroup(rq, btf);
	if (bpf_map_update_elem(&rq_starts, &k, &s, BPF_ANY))
		count(TT_BLOCK_START_DROPPED, 1);
	return 0;
}

/* RQF_FLUSH_SEQ: a request going through the flush sequence. Its last "completion" ends the sequence, after
 * its data part (issued and timed) and the flush request (timed as op flush) completed: not an I/O of its
 * own, and /proc/diskstats does not count it either. The flag is an enum bit since 6.5, bit 4 before. */
static __always_inline __u32 rqf_flush_seq(void)
{
	if (bpf_core_enum_value_exists(enum rqf_flags, __RQF_FLUSH_SEQ))
		return 1U << bpf_core_enum_value(enum rqf_flags, __RQF_FLUSH_SEQ);
	return 1U << 4;
}

/* A request merged into another before issue never completes: drop its start. */
static __always_inline int on_merge(struct request *rq)
{
	__u64 k = (__u64)rq;

	if (bpf_map_delete_elem(&rq_starts, &k) == 0)
		count(TT_BLOCK_MERGED, 1);
	return 0;
}

static __always_inline int on_requeue(struct request *rq)
{
	__u64 k = (__u64)rq;
	struct rq_start *sp = bpf_map_lookup_elem(&rq_starts, &k);

	if (sp)
		sp->flags |= RQ_REQUEUED;
	return 0;
}

static __always_inline int on_complete(struct request *rq, unsigned int nr_bytes, const bool btf)
{
	__u64 k = (__u64)rq, now, service, total;
	struct hist_key key = {};
	struct rq_start *sp, s;
	unsigned int left;
	void *inner;
	bool final;

	if (filter_dev && rq_dev(rq, btf) != filter_dev)
		return 0;
	/* blk_update_request traces before it advances the request: bytes left include these */
	left = btf ? rq->__data_len : BPF_CORE_READ(rq, __data_len);
	final = nr_bytes >= left;
	sp = bpf_map_lookup_elem(&rq_starts, &k);
	if (!sp || !sp->issue_ns) {
		if ((__u32)(btf ? rq->rq_flags : BPF_CORE_READ(rq, rq_flags)) & rqf_flush_seq()) {
			if (sp && final)
				bpf_map_delete_elem(&rq_starts, &k);
			return 0; /* the end of a flush sequence, not an I/O */
		}
		/* started before we attached, start dropped (map full) or aged out, or never issued */
		if (final) {
			if (sp)
				bpf_map_delete_elem(&rq_starts, &k);
			count(TT_BLOCK_NO_START, 1);
		}
		if (nr_bytes)
			count(TT_BLOCK_NO_START_BYTES, nr_bytes);
		return 0;
	}
	if (!final) {
		/* a partial completion: its bytes go with the request's final completion */
		sp->partial_bytes += nr_bytes;
		count(TT_BLOCK_PARTIAL, 1);
		if (nr_bytes)
			count(TT_BLOCK_PARTIAL_BYTES, nr_bytes);
		return 0;
	}
	s = *sp;
	bpf_map_delete_elem(&rq_starts, &k);
	now = bpf_ktime_get_ns();
	service = now - s.issue_ns;
	total = s.insert_ns && s.insert_ns <= s.issue_ns ? now - s.insert_ns : service;

	key.dev = rq_dev(rq, btf);
	key.op = (btf ? rq->cmd_flags : BPF_CORE_READ(rq, cmd_flags)) & REQ_OP_MASK;
	key.cgroup = s.cgroup;
	inner = current_hists();
	if (!inner)
		return 0;
	key.kind = TT_KIND_SERVICE;
	hist_add(inner, &key, service, s.partial_bytes + nr_bytes, true);
	key.kind = TT_KIND_TOTAL;
	hist_add(inner, &key, total, 0, false);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(tt_block_rq_insert_btf, struct request *rq)
{
	return on_insert(rq, true);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(tt_block_rq_issue_btf, struct request *rq)
{
	return on_issue(rq, true);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tt_block_rq_complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return on_complete(rq, nr_bytes, true);
}

SEC("tp_btf/block_rq_merge")
int BPF_PROG(tt_block_rq_merge_btf, struct request *rq)
{
	return on_merge(rq);
}

SEC("tp_btf/block_rq_requeue")
int BPF_PROG(tt_block_rq_requeue_btf, struct request *rq)
{
	return on_requeue(rq);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(tt_block_rq_insert_raw, struct request *rq)
{
	return on_insert(rq, false);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(tt_block_rq_issue_raw, struct request *rq)
{
	return on_issue(rq, false);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(tt_block_rq_complete_raw, struct request *rq, int error, unsigned int nr_bytes)
{
	return on_complete(rq, nr_bytes, false);
}

SEC("raw_tp/block_rq_merge")
int BPF_PROG(tt_block_rq_merge_raw, struct request *rq)
{
	return on_merge(rq);
}

SEC("raw_tp/block_rq_requeue")
int BPF_PROG(tt_block_rq_requeue_raw, struct request *rq)
{
	return on_requeue(rq);
}

/* ------------------------------------------------------------------------------ run queue */

static __always_inline int stamp_pid(__u32 pid, __u64 now)
{
	if (!pid)
		return 0; /* the idle task */
	if (bpf_map_update_elem(&runq_starts, &pid, &now, BPF_ANY))
		count(TT_RUNQ_START_DROPPED, 1);
	return 0;
}

static __always_inline long task_state(struct task_struct *t, const bool btf)
{
	if (bpf_core_field_exists(struct task_struct, __state))
		return btf ? t->__state : BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___old *)t, state);
}

/*
 * prev leaves the CPU. Preempted (even in the middle of going to sleep, its state already set: the kernel
 * keeps it on the run queue) or still TASK_RUNNING, it waits on the run queue from now: stamped. Otherwise it
 * blocks, and its next switch-in must follow a wakeup, which stamps it anew: any stamp it still has (from a
 * wakeup that found it running) is removed, so that it can never be taken for a wait of minutes.
 */
static __always_inline void on_leave(struct task_struct *prev, bool preempt, __u64 now, const bool btf)
{
	__u32 pid = btf ? prev->pid : BPF_CORE_READ(prev, pid);

	if (preempt || task_state(prev, btf) == TASK_RUNNING)
		stamp_pid(pid, now);
	else if (pid)
		bpf_map_delete_elem(&runq_starts, &pid);
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev, struct task_struct *next, const bool btf)
{
	struct hist_key key = {};
	__u64 now = bpf_ktime_get_ns(), *tsp, delta;
	void *inner;
	__u32 pid;

	on_leave(prev, preempt, now, btf);

	pid = btf ? next->pid : BPF_CORE_READ(next, pid);
	if (!pid)
		return 0;
	tsp = bpf_map_lookup_elem(&runq_starts, &pid);
	if (!tsp)
		return 0;
	delta = now - *tsp;
	bpf_map_delete_elem(&runq_starts, &pid);
	if ((__s64)delta < 0)
		return 0;
	key.kind = TT_KIND_RUNQ;
	key.cgroup = task_cgroup(next, runq_cgroup_mode, cpu_subsys_id(), btf);
	inner = current_hists();
	if (inner)
		hist_add(inner, &key, delta, 0, true);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tt_sched_wakeup_btf, struct task_struct *p)
{
	return stamp_pid(p->pid, bpf_ktime_get_ns());
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tt_sched_wakeup_new_btf, struct task_struct *p)
{
	return stamp_pid(p->pid, bpf_ktime_get_ns());
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tt_sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(preempt, prev, next, true);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(tt_sched_wakeup_raw, struct task_struct *p)
{
	return stamp_pid(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(tt_sched_wakeup_new_raw, struct task_struct *p)
{
	return stamp_pid(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
}

SEC("raw_tp/sched_switch")
int BPF_PROG(tt_sched_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(preempt, prev, next, false);
}
