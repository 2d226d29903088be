// Booting a VM: its root file system and its init.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox_linux.h"

static uid_t base; // host uid of the VM's root

static void mount_or_die(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
	if (mount(src, dst, type, flags, data) < 0)
		sbx_die("mounting", dst);
}

// dir makes root/rel owned by the VM's root with mode.
static void dir(const char *root, const char *rel, mode_t mode) {
	char p[SBX_PATH_MAX];
	sbx_path(p, root, rel);
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		sbx_die("creating", p);
	if (chown(p, base, base) < 0 || chmod(p, mode) < 0)
		sbx_die("setting the owner of", p);
}

static void link_to(const char *root, const char *rel, const char *target) {
	char p[SBX_PATH_MAX];
	sbx_path(p, root, rel);
	if (symlink(target, p) < 0 && errno != EEXIST)
		sbx_die("creating", p);
	lchown(p, base, base);
}

// bind mounts src on root/rel, read-only when ro; a missing src is skipped
// when optional.
static void bind_mount(const char *src, const char *root, const char *rel, int ro, int optional) {
	char p[SBX_PATH_MAX];
	struct stat st;
	sbx_path(p, root, rel);
	if (stat(src, &st) < 0) {
		if (optional)
			return;
		sbx_die("finding", src);
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			sbx_die("creating", p);
	} else {
		int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			sbx_die("creating", p);
		close(fd);
	}
	mount_or_die(src, p, NULL, MS_BIND | MS_REC, NULL);
	if (ro)
		mount_or_die(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
}

// top mirrors a top-level entry of the host (/bin, /lib, ...): a symlink
// where the host has one (merged /usr), else a read-only bind mount.
static void top(const char *root, const char *name) {
	char host[64], target[256];
	snprintf(host, sizeof host, "/%s", name);
	ssize_t n = readlink(host, target, sizeof target - 1);
	if (n > 0) {
		target[n] = 0;
		link_to(root, name, target);
		return;
	}
	bind_mount(host, root, name, 1, 1);
}

// build makes the VM's root file system on vmdir/rootfs, in this process's
// own mount namespace: the host's /usr read-only; the VM's own /etc (its
// files over the host's, in an overlay), /home, /root, /tmp and /var from
// vmdir; a /dev with the harmless devices; a sysfs of the VM's network
// namespace; and sudo.
static void build(const char *vmdir, const char *netns, char *root) {
	char p[SBX_PATH_MAX], q[SBX_PATH_MAX], opts[3 * SBX_PATH_MAX];
	char etc[SBX_PATH_MAX], work[SBX_PATH_MAX];
	char data[64];

	sbx_path(root, vmdir, "rootfs");
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		sbx_die("creating", root);
	snprintf(data, sizeof data, "mode=0755,uid=%u,gid=%u,size=8m", base, base);
	mount_or_die("rootfs", root, "tmpfs", MS_NOSUID | MS_NODEV, data);

	static const char *dirs[] = {"usr", "etc", "home", "root", "tmp", "var", "proc", "sys",
				     "dev", "run", "mnt", "srv", "opt", "media", ".old", ".new"};
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		dir(root, dirs[i], 0755);
	static const char *tops[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
	for (size_t i = 0; i < sizeof tops / sizeof *tops; i++)
		top(root, tops[i]);

	bind_mount("/usr", root, "usr", 1, 0);
	sbx_path(etc, vmdir, "etc");
	sbx_path(work, vmdir, "etc-work");
	snprintf(opts, sizeof opts, "lowerdir=/etc,upperdir=%s,workdir=%s", etc, work);
	mount_or_die("overlay", sbx_path(p, root, "etc"), "overlay", MS_NOSUID, opts);
	static const char *own[] = {"home", "root", "tmp", "var"};
	for (size_t i = 0; i < sizeof own / sizeof *own; i++)
		bind_mount(sbx_path(q, vmdir, own[i]), root, own[i], 0, 0);

	snprintf(data, sizeof data, "mode=0755,uid=%u,gid=%u,size=64k", base, base);
	mount_or_die("dev", sbx_path(p, root, "dev"), "tmpfs", MS_NOSUID | MS_NOEXEC, data);
	static const char *devs[] = {"null", "zero", "full", "random", "urandom", "tty"};
	for (size_t i = 0; i < sizeof devs / sizeof *devs; i++) {
		char d[64];
		snprintf(d, sizeof d, "/dev/%s", devs[i]);
		char rel[64];
		snprintf(rel, sizeof rel, "dev/%s", devs[i]);
		bind_mount(d, root, rel, 0, 0);
	}
	dir(root, "dev/pts", 0755);
	dir(root, "dev/shm", 01777);
	link_to(root, "dev/ptmx", "pts/ptmx");
	link_to(root, "dev/fd", "/proc/self/fd");
	link_to(root, "dev/stdin", "/proc/self/fd/0");
	link_to(root, "dev/stdout", "/proc/self/fd/1");
	link_to(root, "dev/stderr", "/proc/self/fd/2");

	mount_or_die("sysfs", sbx_path(p, root, "sys"), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);

	snprintf(data, sizeof data, "mode=0755,uid=%u,gid=%u,size=16m", base, base);
	mount_or_die("run", sbx_path(p, root, "run"), "tmpfs", MS_NOSUID | MS_NODEV, data);
	dir(root, "run/aksbox", 0755);
	dir(root, "run/lock", 01777);
	// The VNet's DNS servers, which the fabric renews in place, as
	// resolvconf keeps them; the VM's /etc/resolv.conf links here.
	snprintf(q, sizeof q, "/etc/netns/%s", netns);
	bind_mount(q, root, "run/resolvconf", 1, 1);

	// sudo is this binary (see sudo_linux.c), on a small tmpfs over the
	// host's /usr/local/sbin, first in every PATH.
	snprintf(data, sizeof data, "mode=0755,uid=%u,gid=%u,size=64k", base, base);
	mount_or_die("sbin", sbx_path(p, root, "usr/local/sbin"), "tmpfs", MS_NOSUID | MS_NODEV, data);
	char exe[SBX_PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		sbx_die("finding", "/proc/self/exe");
	exe[n] = 0;
	bind_mount(exe, root, "usr/local/sbin/sudo", 1, 0);
	mount_or_die(NULL, p, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, data);
}

// child is the VM's init: PID 1 of the new PID namespace, root of the new
// user namespace once the parent has written its ID maps.
static void child(int in, int out, const char *root, const char *hostname) {
	char c;
	if (read(in, &c, 1) != 1)
		sbx_die("waiting for the ID maps", NULL);
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		sbx_die("becoming the VM's root", NULL);
	if (sethostname(hostname, strlen(hostname)) < 0)
		sbx_die("setting the host name", hostname);
	mount_or_die(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	// The working directory is the root file system the parent built (the
	// path to it may not be searchable by the VM's root). Mounts copied
	// from the parent's namespace are locked, and pivot_root refuses a
	// locked new root, so the tree is bound once more from in here.
	mount_or_die(".", ".new", NULL, MS_BIND | MS_REC, NULL);
	if (chdir(".new") < 0)
		sbx_die("entering", ".new");
	mount_or_die("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_die("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_or_die("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	if (syscall(SYS_pivot_root, ".", ".old") < 0)
		sbx_die("pivot_root to", root);
	if (chdir("/") < 0 || umount2("/.old", MNT_DETACH) < 0)
		sbx_die("leaving the host's root", NULL);
	rmdir("/.old");
	rmdir("/.new");

	int l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, SBX_SUDO_SOCKET);
	unlink(a.sun_path);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 16) < 0 || chmod(a.sun_path, 0666) < 0)
		sbx_die("listening on", SBX_SUDO_SOCKET);

	if (write(out, "OK", 2) != 2)
		sbx_die("reporting to the parent", NULL);
	close(out);
	close(in);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		if (null > 2)
			close(null);
	}
	setsid();
	sbx_init_loop(l);
}

static void write_file(const char *path, const char *data) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		sbx_die("writing", path);
	close(fd);
}

// sbx_vminit: NETNS VMDIR HOSTNAME UIDBASE. It prints the init's host PID
// once the VM is up, and exits; the init lives on.
int sbx_vminit(int argc, char **argv) {
	char root[SBX_PATH_MAX], p[SBX_PATH_MAX], map[64];
	if (argc != 4)
		sbx_die("usage: __vminit NETNS VMDIR HOSTNAME UIDBASE", NULL);
	const char *netns = argv[0], *vmdir = argv[1], *hostname = argv[2];
	base = (uid_t)strtoul(argv[3], NULL, 10);
	if (!*netns || strchr(netns, '/') || !strcmp(netns, ".") || !strcmp(netns, ".."))
		sbx_die("invalid network namespace name", netns);
	if (base == 0)
		sbx_die("the VM's root must not be the host's root", NULL);

	int net = open(sbx_path(p, "/var/run/netns", netns), O_RDONLY | O_CLOEXEC);
	if (net < 0)
		sbx_die("opening the network namespace", p);
	if (unshare(CLONE_NEWNS) < 0)
		sbx_die("creating a mount namespace", NULL);
	mount_or_die(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	if (setns(net, CLONE_NEWNET) < 0)
		sbx_die("entering the network namespace", netns);
	close(net);
	build(vmdir, netns, root);

	int down[2], up[2];
	if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0)
		sbx_die("pipe", NULL);
	if (chdir(root) < 0)
		sbx_die("entering", root);
	fflush(stdout);
	long pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
			   0, 0, 0, 0);
	if (pid < 0)
		sbx_die("creating the VM's namespaces", NULL);
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		child(down[0], up[1], root, hostname);
	}
	close(down[0]);
	close(up[1]);
	snprintf(map, sizeof map, "0 %u 65536\n", base);
	snprintf(p, sizeof p, "/proc/%ld/uid_map", pid);
	write_file(p, map);
	snprintf(p, sizeof p, "/proc/%ld/gid_map", pid);
	write_file(p, map);
	if (write(down[1], "g", 1) != 1)
		sbx_die("starting the VM's init", NULL);
	char ok[2];
	if (read(up[0], ok, 2) != 2 || memcmp(ok, "OK", 2) != 0) {
		int status;
		waitpid(pid, &status, 0);
		errno = 0;
		sbx_die("the VM's init did not start", NULL);
	}
	printf("%ld\n", pid);
	fflush(stdout);
	return 0;
}
