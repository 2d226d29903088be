// Shared by the C parts of package sandbox.
#ifndef AKSBOX_SANDBOX_H
#define AKSBOX_SANDBOX_H

#include <sys/types.h>

#define SBX_PATH_MAX 4096
// Where a VM's init listens for sudo, inside the VM.
#define SBX_SUDO_SOCKET "/run/aksbox/sudo.sock"
// The PATH sudo gives commands (Debian's secure_path).
#define SBX_SECURE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
// The most a sudo request may carry (arguments and environment).
#define SBX_REQUEST_MAX (128 * 1024)

void sbx_die(const char *what, const char *arg) __attribute__((noreturn));
char *sbx_path(char *buf, const char *a, const char *b);
int sbx_parse_ids(const char *s, gid_t *out, int max);
void sbx_default_signals(void);
void sbx_exit_like(int status) __attribute__((noreturn));

int sbx_vminit(int argc, char **argv);
void sbx_init_loop(int listener) __attribute__((noreturn));
int sbx_sudo(int argc, char **argv);

// Looking up users and groups in the VM's own /etc, without NSS.
struct sbx_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[256];
	char shell[256];
};
int sbx_user_by_name(const char *name, struct sbx_user *u);
int sbx_user_by_uid(uid_t uid, struct sbx_user *u);
int sbx_groups_of(const char *name, gid_t primary, gid_t *out, int max);
int sbx_in_group(const char *name, const char *group);

#endif
