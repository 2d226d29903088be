// sudo inside a VM: the binary under the name sudo asks the VM's init to
// run the command (see init_linux.c), passing on its terminal or pipes,
// the signals it gets, and the command's exit status. Without a set-user-ID
// file there is nothing to escalate through but the init, which checks who
// asks.
//
// Options: -u USER, -i, -s, -E, -H, -n, -k, -K, -v, -l, -h, -V, --. The
// environment is reset as Debian's sudo resets it (env_reset, secure_path)
// unless -E is given.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox_linux.h"

static int pipefd[2];

static void on_signal(int sig) {
	int e = errno;
	if (write(pipefd[1], &sig, sizeof sig) < 0) {
	}
	errno = e;
}

static int usage(int code) {
	fprintf(code ? stderr : stdout,
		"usage: sudo [-EHiknsv] [-u user] [command [arg ...]]\n"
		"       sudo -l\n");
	return code;
}

struct request {
	char *buf;
	size_t len;
};

static int add(struct request *r, const char *s) {
	size_t n = strlen(s) + 1;
	if (r->len + n > SBX_REQUEST_MAX)
		return -1;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	return 0;
}

static int keep(const char *kv) {
	static const char *names[] = {"TERM=", "COLORTERM=", "DISPLAY=", "LANG=", "LANGUAGE=", "TZ=", "LS_COLORS=", NULL};
	if (strncmp(kv, "LC_", 3) == 0)
		return 1;
	for (int i = 0; names[i]; i++)
		if (strncmp(kv, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

int sbx_sudo(int argc, char **argv) {
	const char *user = "root";
	int login = 0, shell = 0, preserve = 0, i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0)
			return usage(0);
		if (strcmp(argv[i], "--preserve-env") == 0) {
			preserve = 1;
			continue;
		}
		for (char *o = argv[i] + 1; *o; o++) {
			switch (*o) {
			case 'u':
				if (o[1])
					user = o + 1;
				else if (i + 1 < argc)
					user = argv[++i];
				else
					return usage(1);
				goto next; // the rest of the word was the user
			case 'i': login = 1; break;
			case 's': shell = 1; break;
			case 'E': preserve = 1; break;
			case 'H': case 'n': case 'k': case 'K': case 'S': break;
			case 'v': return 0;
			case 'l':
				printf("User %s may run the following commands on this host:\n    (ALL) NOPASSWD: ALL\n",
				       getenv("USER") ? getenv("USER") : "you");
				return 0;
			case 'h': return usage(0);
			case 'V': printf("Sudo version 1.9 (aksbox VM)\n"); return 0;
			default:
				fprintf(stderr, "sudo: invalid option -- '%c'\n", *o);
				return usage(1);
			}
		}
	next:;
	}
	if (i >= argc && !login && !shell)
		return usage(1);

	struct sbx_user t, me;
	if (sbx_user_by_name(user, &t) < 0) {
		fprintf(stderr, "sudo: unknown user %s\n", user);
		return 1;
	}
	if (sbx_user_by_uid(getuid(), &me) < 0)
		snprintf(me.name, sizeof me.name, "%u", getuid());

	static char buf[SBX_REQUEST_MAX];
	struct request r = {buf, 0};
	char cwd[SBX_PATH_MAX], num[32], joined[SBX_REQUEST_MAX / 2] = "";
	if (login || !getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, "%s", t.home);
	for (int k = i; k < argc; k++) {
		// sudo -i/-s CMD runs the shell with -c; arguments are escaped.
		size_t n = strlen(joined);
		for (const char *c = argv[k]; *c && n + 3 < sizeof joined; c++) {
			if (!(c[0] >= 'a' && c[0] <= 'z') && !(c[0] >= 'A' && c[0] <= 'Z') && !(c[0] >= '0' && c[0] <= '9') &&
			    !strchr("_-./=:,@+%", c[0]))
				joined[n++] = '\\';
			joined[n++] = *c;
		}
		if (k + 1 < argc && n + 1 < sizeof joined)
			joined[n++] = ' ';
		joined[n] = 0;
	}
	const char *sh = shell && getenv("SHELL") && !login ? getenv("SHELL") : t.shell;
	char dash[300];
	snprintf(dash, sizeof dash, "-%s", strrchr(sh, '/') ? strrchr(sh, '/') + 1 : sh);
	int bad = add(&r, t.name) | add(&r, cwd);
	if (login || shell) {
		const char *args[3] = {login ? dash : sh, "-c", joined};
		int n = i < argc ? 3 : 1;
		snprintf(num, sizeof num, "%d", n);
		bad |= add(&r, sh) | add(&r, num);
		for (int k = 0; k < n; k++)
			bad |= add(&r, args[k]);
	} else {
		snprintf(num, sizeof num, "%d", argc - i);
		bad |= add(&r, argv[i]) | add(&r, num);
		for (int k = i; k < argc; k++)
			bad |= add(&r, argv[k]);
	}

	extern char **environ;
	char *env[1024];
	int envc = 0;
	static char vars[8][SBX_PATH_MAX];
	for (char **e = environ; *e && envc < 1000; e++)
		if (preserve ? strncmp(*e, "SUDO_", 5) != 0 : keep(*e))
			env[envc++] = *e;
	snprintf(vars[0], sizeof vars[0], "HOME=%s", t.home);
	snprintf(vars[1], sizeof vars[1], "USER=%s", t.name);
	snprintf(vars[2], sizeof vars[2], "LOGNAME=%s", t.name);
	snprintf(vars[3], sizeof vars[3], "SHELL=%s", t.shell);
	snprintf(vars[4], sizeof vars[4], "SUDO_USER=%s", me.name);
	snprintf(vars[5], sizeof vars[5], "SUDO_UID=%u", getuid());
	snprintf(vars[6], sizeof vars[6], "SUDO_GID=%u", getgid());
	snprintf(vars[7], sizeof vars[7], "SUDO_COMMAND=%s", i < argc ? argv[i] : t.shell);
	for (int k = 0; k < 8; k++)
		env[envc++] = vars[k];
	if (!preserve)
		env[envc++] = "PATH=" SBX_SECURE_PATH;
	snprintf(num, sizeof num, "%d", envc);
	bad |= add(&r, num);
	for (int k = 0; k < envc; k++)
		bad |= add(&r, env[k]);
	if (bad) {
		fprintf(stderr, "sudo: argument list too long\n");
		return 1;
	}

	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, SBX_SUDO_SOCKET);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		fprintf(stderr, "sudo: cannot reach the VM's init at %s: %s\n", SBX_SUDO_SOCKET, strerror(errno));
		return 1;
	}
	int fds[3] = {0, 1, 2};
	char ctl[CMSG_SPACE(sizeof fds)];
	struct iovec iov = {r.buf, r.len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(c), fds, sizeof fds);
	if (sendmsg(s, &m, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "sudo: sending the command to the VM's init: %s\n", strerror(errno));
		return 1;
	}

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return 1;
	static const int forward[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM};
	for (size_t k = 0; k < sizeof forward / sizeof *forward; k++) {
		struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
		sigaction(forward[k], &sa, NULL);
	}
	for (;;) {
		struct pollfd pf[2] = {{.fd = s, .events = POLLIN}, {.fd = pipefd[0], .events = POLLIN}};
		if (poll(pf, 2, -1) < 0)
			continue;
		int sig;
		while (read(pipefd[0], &sig, sizeof sig) == sizeof sig)
			send(s, &sig, sizeof sig, MSG_NOSIGNAL);
		if (!pf[0].revents)
			continue;
		char msg[1024];
		ssize_t n = recv(s, msg, sizeof msg - 1, 0);
		if (n <= 0) {
			fprintf(stderr, "sudo: the VM's init closed the connection\n");
			return 1;
		}
		if (msg[0] == 'X' && n == 1 + (ssize_t)sizeof(int)) {
			int status;
			memcpy(&status, msg + 1, sizeof status);
			sbx_exit_like(status);
		}
		msg[n] = 0;
		fprintf(stderr, "%s\n", msg + 1);
		return 1;
	}
}
