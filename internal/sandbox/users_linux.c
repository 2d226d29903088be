// Users and groups of the VM, read from its own /etc/passwd and /etc/group
// (no NSS: the init and sudo must not load the host's modules).

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_linux.h"

// split cuts line at each ':' into at most max fields.
static int split(char *line, char **f, int max) {
	int n = 0;
	line[strcspn(line, "\n")] = 0;
	while (n < max) {
		f[n++] = line;
		char *c = strchr(line, ':');
		if (!c)
			break;
		*c = 0;
		line = c + 1;
	}
	return n;
}

static int find_user(const char *name, uid_t uid, struct sbx_user *u) {
	FILE *fp = fopen("/etc/passwd", "re");
	char line[1024], *f[7];
	if (!fp)
		return -1;
	while (fgets(line, sizeof line, fp)) {
		if (split(line, f, 7) < 7)
			continue;
		if (name ? strcmp(f[0], name) != 0 : (uid_t)strtoul(f[2], NULL, 10) != uid)
			continue;
		snprintf(u->name, sizeof u->name, "%s", f[0]);
		u->uid = (uid_t)strtoul(f[2], NULL, 10);
		u->gid = (gid_t)strtoul(f[3], NULL, 10);
		snprintf(u->home, sizeof u->home, "%s", f[5]);
		snprintf(u->shell, sizeof u->shell, "%s", *f[6] ? f[6] : "/bin/sh");
		fclose(fp);
		return 0;
	}
	fclose(fp);
	return -1;
}

int sbx_user_by_name(const char *name, struct sbx_user *u) { return find_user(name, 0, u); }
int sbx_user_by_uid(uid_t uid, struct sbx_user *u) { return find_user(NULL, uid, u); }

// member tells whether name is in the comma-separated list.
static int member(const char *list, const char *name) {
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, name, n) == 0)
			return 1;
		p += k + (p[k] == ',');
	}
	return 0;
}

// sbx_groups_of lists the primary group and every group name is a member of.
int sbx_groups_of(const char *name, gid_t primary, gid_t *out, int max) {
	int n = 0;
	out[n++] = primary;
	FILE *fp = fopen("/etc/group", "re");
	char line[4096], *f[4];
	if (!fp)
		return n;
	while (n < max && fgets(line, sizeof line, fp))
		if (split(line, f, 4) == 4 && member(f[3], name))
			out[n++] = (gid_t)strtoul(f[2], NULL, 10);
	fclose(fp);
	return n;
}

int sbx_in_group(const char *name, const char *group) {
	FILE *fp = fopen("/etc/group", "re");
	char line[4096], *f[4];
	int in = 0;
	if (!fp)
		return 0;
	while (!in && fgets(line, sizeof line, fp))
		in = split(line, f, 4) == 4 && strcmp(f[0], group) == 0 && member(f[3], name);
	fclose(fp);
	return in;
}
