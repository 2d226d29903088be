package controlplane

// CPU priorities of control plane processes. Nice values and scheduling
// policies are per thread on Linux, and a process's threads inherit them
// from the thread that made them.
//
// A control plane that is starting (a create, a restart or a wake from
// sleep, which a user waits for) runs at startNice until it is ready, and
// then lowers itself to the normal priority (EndStartPriority). From then
// on it also runs under the batch policy, whose wake-ups do not preempt the
// running task: on a machine holding dozens of idle clusters, the thousands
// of small wake-ups a second of the running ones otherwise interrupt a
// start again and again. Requests still wake an idle control plane at once
// on a free core, and within a scheduler tick on a busy one.
// Warm control planes start at warmNice instead, so that a refill does not
// slow the creates that are going on. The pool gives an adopted one the
// normal policy at startNice, and the process ends that itself once it is
// ready and serves the cluster, as a cold start does.
const (
	startNice = -5
	warmNice  = 10
)
