// The parts of a VM sandbox that must run before the Go runtime starts
// threads: joining a user namespace (setns refuses a multi-threaded caller)
// and being the small init of a VM. A constructor looks at the arguments of
// every process of the binary and takes over in three cases only:
//
//   aksbox __vminit NETNS VMDIR HOSTNAME UIDBASE
//       builds the VM's root file system and starts its init (see vminit);
//   aksbox __vmenter PID UID GID GROUPS CWD -- ARGV...
//       runs ARGV inside the sandbox whose init is PID (see vmenter);
//   sudo ...  (the binary as the VM's /usr/local/sbin/sudo)
//       asks the VM's init to run a command as another user (see sudo.c).
//
// Every other invocation returns at once and the Go program runs as usual.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox_linux.h"

// die reports what failed, with errno's text when set, and exits 1.
void sbx_die(const char *what, const char *arg) {
	int e = errno;
	if (e)
		fprintf(stderr, "aksbox sandbox: %s %s: %s\n", what, arg ? arg : "", strerror(e));
	else
		fprintf(stderr, "aksbox sandbox: %s %s\n", what, arg ? arg : "");
	_exit(1);
}

// sbx_path joins a and b into buf.
char *sbx_path(char *buf, const char *a, const char *b) {
	if (snprintf(buf, SBX_PATH_MAX, "%s/%s", a, b) >= SBX_PATH_MAX) {
		errno = ENAMETOOLONG;
		sbx_die("path too long:", a);
	}
	return buf;
}

// sbx_parse_ids reads a comma-separated list of numeric IDs.
int sbx_parse_ids(const char *s, gid_t *out, int max) {
	int n = 0;
	while (*s && n < max) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s)
			return -1;
		out[n++] = (gid_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

// sbx_default_signals undoes the dispositions a parent set, which execve
// would otherwise pass on for ignored signals.
void sbx_default_signals(void) {
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

// sbx_exit_like ends this process the way status says its child ended.
void sbx_exit_like(int status) {
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		prctl(PR_SET_DUMPABLE, 0); // no core file of ours for the child's crash
		kill(getpid(), sig);
		_exit(128 + sig);
	}
	_exit(WEXITSTATUS(status));
}

// vmenter joins the namespaces of the sandbox whose init is pid, forks so
// the child is in its PID namespace too, and runs argv there as uid:gid with
// the supplementary groups, in cwd (or / when that is missing). The parent
// waits and exits as the child did. It ignores the signals a terminal or
// the gateway sends: those go to the whole process group, child included.
static int vmenter(int argc, char **argv) {
	static const struct {
		const char *name;
		int type;
	} order[] = {{"net", CLONE_NEWNET}, {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},
		     {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"pid", CLONE_NEWPID}};
	int fds[6];
	char buf[SBX_PATH_MAX];
	gid_t groups[64];

	if (argc < 7 || strcmp(argv[5], "--") != 0)
		sbx_die("usage: __vmenter PID UID GID GROUPS CWD -- ARGV...", NULL);
	char *pid = argv[0], *cwd = argv[4], **cmd = argv + 6;
	uid_t uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid_t gid = (gid_t)strtoul(argv[2], NULL, 10);
	int ngroups = sbx_parse_ids(argv[3], groups, 64);
	if (ngroups < 0)
		sbx_die("invalid group list", argv[3]);

	// Nothing in the sandbox may ptrace this host process while it waits.
	prctl(PR_SET_DUMPABLE, 0);

	struct stat self, target;
	if (stat("/proc/self/ns/user", &self) < 0)
		sbx_die("reading", "/proc/self/ns/user");
	for (int i = 0; i < 6; i++) {
		snprintf(buf, sizeof buf, "/proc/%s/ns/%s", pid, order[i].name);
		if ((fds[i] = open(buf, O_RDONLY | O_CLOEXEC)) < 0)
			sbx_die("opening", buf);
	}
	// The network namespace is the host's to give (it is owned by the
	// host's user namespace), so it is joined first.
	if (fstat(fds[1], &target) < 0)
		sbx_die("reading", "the sandbox's user namespace");
	if (target.st_ino == self.st_ino && target.st_dev == self.st_dev)
		sbx_die("refusing to enter a process that is not in a sandbox: pid", pid);
	for (int i = 0; i < 6; i++) {
		if (setns(fds[i], order[i].type) < 0)
			sbx_die("entering the sandbox's namespace", order[i].name);
		close(fds[i]);
	}

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			signal(s, SIG_IGN);
	pid_t child = fork();
	if (child < 0)
		sbx_die("fork", NULL);
	if (child == 0) {
		sbx_default_signals();
		if (setgroups(ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
			sbx_die("switching to the user", argv[1]);
		if (chdir(cwd) < 0 && chdir("/") < 0)
			sbx_die("changing directory to", cwd);
		execvp(cmd[0], cmd);
		int code = errno == ENOENT ? 127 : 126;
		fprintf(stderr, "%s: %s\n", cmd[0], errno == ENOENT ? "command not found" : strerror(errno));
		_exit(code);
	}
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			sbx_die("waiting for the command", NULL);
	sbx_exit_like(status);
	return 1;
}

__attribute__((constructor)) static void aksbox_sandbox_dispatch(int argc, char **argv, char **envp) {
	(void)envp;
	if (argc < 1 || argv == NULL || argv[0] == NULL)
		return;
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (strcmp(base, "sudo") == 0)
		_exit(sbx_sudo(argc, argv));
	if (argc < 2)
		return;
	int vminit = strcmp(argv[1], "__vminit") == 0, enter = strcmp(argv[1], "__vmenter") == 0;
	if (!vminit && !enter)
		return;
	if (getauxval(AT_SECURE))
		sbx_die("refusing to run set-user-ID", NULL);
	if (vminit)
		_exit(sbx_vminit(argc - 2, argv + 2));
	_exit(vmenter(argc - 2, argv + 2));
}
