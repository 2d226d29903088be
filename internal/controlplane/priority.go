package controlplane

// CPU priorities of control plane processes. Nice is per thread on Linux,
// and a process's threads inherit it from the thread that made them.
//
// A control plane that is starting (a create, a restart or a wake from
// sleep, which a user waits for) runs at startNice until it is ready, and
// then lowers itself to the normal priority (EndStartPriority). On a
// machine holding dozens of idle clusters, the thousands of small wake-ups
// a second of the running ones otherwise preempt the start again and again.
// Warm control planes start at warmNice instead, so that a refill does not
// slow the creates that are going on. The pool raises an adopted one to
// startNice, and the process ends that itself once it is ready and serves
// the cluster, as a cold start does.
const (
	startNice = -5
	warmNice  = 10
)
