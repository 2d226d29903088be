// The VM's init: PID 1 of its PID namespace. It reaps every orphan and
// runs the commands sudo asks for, as root (or the user asked for), when
// the asking user may: root, or a member of the group sudo, as Azure's
// provisioning agent makes the admin user one with passwordless sudo.
//
// A sudo request is one SOCK_SEQPACKET message: the fields below, each
// ending in NUL, with the client's stdin, stdout and stderr attached.
//   target user, working directory, program, argc, argv..., envc, env...
// Later messages from the client are signal numbers (4 bytes) to pass on;
// the client going away hangs the command up. The init answers with
// "X" + the 4-byte wait status when the command ends, or "E" + a message
// when it refuses or fails to start it.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox_linux.h"

#define MAX_JOBS 64

struct job {
	int conn;
	pid_t pid;
};

static struct job jobs[MAX_JOBS];
static int njobs;

static void answer(int conn, char kind, const void *data, size_t n) {
	char msg[1024];
	if (n > sizeof msg - 1)
		n = sizeof msg - 1;
	msg[0] = kind;
	memcpy(msg + 1, data, n);
	send(conn, msg, n + 1, MSG_NOSIGNAL);
}

static void refuse(int conn, const char *fmt, const char *arg) {
	char text[512];
	snprintf(text, sizeof text, fmt, arg);
	answer(conn, 'E', text, strlen(text));
}

// field returns the next NUL-terminated field of [*p, end), or NULL.
static char *field(char **p, char *end) {
	char *f = *p, *z = memchr(f, 0, end - f);
	if (f >= end || z == NULL)
		return NULL;
	*p = z + 1;
	return f;
}

// start serves one request on conn; it returns the command's pid, or 0
// when it answered with a refusal.
static pid_t start(int conn) {
	static char buf[SBX_REQUEST_MAX];
	char ctl[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = {buf, sizeof buf};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	int fds[3] = {-1, -1, -1};
	ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof fds))
			memcpy(fds, CMSG_DATA(c), sizeof fds);
	pid_t pid = 0;
	struct ucred cred;
	socklen_t cl = sizeof cred;
	struct sbx_user asker, target;
	char *p = buf, *end = buf + (n > 0 ? n : 0);
	char *user = field(&p, end), *cwd = field(&p, end), *prog = field(&p, end), *count = field(&p, end);
	char *argv[1024], *envp[1024];
	int argc = count ? atoi(count) : -1, envc = -1;

	if (n <= 0 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || fds[2] < 0 || !prog || argc < 1 || argc > 1023) {
		refuse(conn, "sudo: malformed request%s", "");
		goto out;
	}
	for (int i = 0; i < argc; i++)
		if (!(argv[i] = field(&p, end))) {
			refuse(conn, "sudo: malformed request%s", "");
			goto out;
		}
	argv[argc] = NULL;
	if ((count = field(&p, end)))
		envc = atoi(count);
	if (envc < 0 || envc > 1023) {
		refuse(conn, "sudo: malformed request%s", "");
		goto out;
	}
	for (int i = 0; i < envc; i++)
		if (!(envp[i] = field(&p, end))) {
			refuse(conn, "sudo: malformed request%s", "");
			goto out;
		}
	envp[envc] = NULL;

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		refuse(conn, "sudo: cannot tell who is asking%s", "");
		goto out;
	}
	if (sbx_user_by_uid(cred.uid, &asker) < 0) {
		char uid[16];
		snprintf(uid, sizeof uid, "%u", cred.uid);
		refuse(conn, "sudo: you do not exist in the passwd database (uid %s)", uid);
		goto out;
	}
	if (cred.uid != 0 && !sbx_in_group(asker.name, "sudo")) {
		refuse(conn, "sudo: %s is not in the sudoers file.", asker.name);
		goto out;
	}
	if (sbx_user_by_name(user, &target) < 0) {
		refuse(conn, "sudo: unknown user %s", user);
		goto out;
	}
	gid_t groups[64];
	int ng = sbx_groups_of(target.name, target.gid, groups, 64);

	pid = fork();
	if (pid < 0) {
		refuse(conn, "sudo: cannot start the command: %s", strerror(errno));
		pid = 0;
		goto out;
	}
	if (pid == 0) {
		sbx_default_signals();
		setsid();
		for (int i = 0; i < 3; i++)
			dup2(fds[i], i);
		if (setgroups(ng, groups) < 0 || setresgid(target.gid, target.gid, target.gid) < 0 ||
		    setresuid(target.uid, target.uid, target.uid) < 0) {
			fprintf(stderr, "sudo: cannot become %s: %s\n", target.name, strerror(errno));
			_exit(1);
		}
		if (chdir(cwd) < 0 && chdir(target.home) < 0 && chdir("/") < 0)
			_exit(1);
		extern char **environ;
		environ = envp;
		execvp(prog, argv);
		fprintf(stderr, "sudo: %s: %s\n", prog, errno == ENOENT ? "command not found" : strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
out:
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return pid;
}

static void finish(pid_t pid, int status) {
	for (int i = 0; i < njobs; i++) {
		if (jobs[i].pid != pid)
			continue;
		if (jobs[i].conn >= 0) {
			answer(jobs[i].conn, 'X', &status, sizeof status);
			close(jobs[i].conn);
		}
		jobs[i] = jobs[--njobs];
		return;
	}
}

void sbx_init_loop(int listener) {
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		sbx_die("signalfd", NULL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd pf[MAX_JOBS + 2];
		int slot[MAX_JOBS];
		int n = 0;
		pf[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pf[n++] = (struct pollfd){.fd = njobs < MAX_JOBS ? listener : -1, .events = POLLIN};
		for (int i = 0; i < njobs; i++)
			if (jobs[i].conn >= 0) {
				slot[n - 2] = i;
				pf[n++] = (struct pollfd){.fd = jobs[i].conn, .events = POLLIN};
			}
		if (poll(pf, n, -1) < 0)
			continue;
		// Job connections first: reaping below reorders the jobs.
		for (int k = 2; k < n; k++) {
			if (!pf[k].revents)
				continue;
			struct job *j = &jobs[slot[k - 2]];
			int sig;
			ssize_t r = recv(j->conn, &sig, sizeof sig, MSG_DONTWAIT);
			if (r == sizeof sig && sig > 0 && sig < NSIG) {
				kill(j->pid, sig);
			} else if (r == 0 || (r < 0 && errno != EAGAIN)) {
				// sudo went away: hang its command up, as a closed
				// terminal would.
				kill(-j->pid, SIGHUP);
				kill(-j->pid, SIGCONT);
				close(j->conn);
				j->conn = -1;
			}
		}
		if (pf[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == sizeof si)
				;
			int status;
			pid_t pid;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				finish(pid, status);
		}
		if (pf[1].revents) {
			int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
			if (conn >= 0) {
				struct timeval tv = {.tv_sec = 2};
				setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
				pid_t pid = start(conn);
				if (pid > 0)
					jobs[njobs++] = (struct job){conn, pid};
				else
					close(conn);
			}
		}
	}
}
