/*
 * test_lib: the shared helpers: checked number parsing (Go's base-0 rules too), spans,
 * bounded buffers, procfile re-reads (growth, limit, vanished files) and mount-table
 * change signals, sysfs links and attributes, dirscan, path joining, regex filters and
 * the command-line parser, and log lines that stay well formed when their values are
 * too long for them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "lib/buf.h"
#include "lib/dirscan.h"
#include "lib/log.h"
#include "lib/procfile.h"
#include "lib/regex.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"
#include "t.h"
#include "tmptree.h"

static void numbers(void)
{
	uint64_t u;
	int64_t i;
	double d;
	CHECK_INT(str_u64("18446744073709551615", &u), 0);
	CHECK(u == UINT64_MAX);
	CHECK_INT(str_u64("18446744073709551616", &u), -ERANGE);
	CHECK_INT(str_u64("-1", &u), -EINVAL);
	CHECK_INT(str_u64("12x", &u), -EINVAL);
	CHECK_INT(str_u64("", &u), -EINVAL);
	CHECK_INT(str_u64("  42\n", &u), 0);
	CHECK_INT(u, 42);
	CHECK_INT(str_i64("-9223372036854775808", &i), 0);
	CHECK_INT(str_i64("9223372036854775808", &i), -ERANGE);
	/* span_i64's plain-decimal fast path agrees with strtoll, and leaves the rest to it */
	static const char *const i64s[] = { "0", "-0", " 7\n", "007", "-42", "+5", "-", "",
					    "12a", "1 2", "--1", "999999999999999999",
					    "-999999999999999999", "1000000000000000000",
					    "9223372036854775807", "-9223372036854775808",
					    "9223372036854775808", "0x10", " -3 " };
	for (size_t k = 0; k < sizeof(i64s) / sizeof(i64s[0]); k++) {
		char *end;
		errno = 0;
		long long want = strtoll(i64s[k], &end, 10);
		while (*end == ' ' || *end == '\n')
			end++;
		bool ok = end != i64s[k] && *end == '\0' && errno == 0 &&
			  strspn(i64s[k], " \n") != strlen(i64s[k]);
		i = 12345;
		int r = span_i64(span_cstr(i64s[k]), &i);
		bool same = ok ? r == 0 && i == want : r < 0 && i == 12345;
		if (!same)
			fprintf(stderr, "span_i64(\"%s\") disagrees with strtoll\n", i64s[k]);
		CHECK(same);
	}
	CHECK_INT(str_double("1e999", &d), -ERANGE);
	CHECK_INT(str_double("0.25", &d), 0);
	CHECK_DBL(d, 0.25);
	CHECK_INT(str_double("NaN", &d), 0);
	CHECK(isnan(d));
	/* the decimal fast path agrees with strtod, and leaves the rest to it */
	static const char *const ints[] = { "0", "-0", " 7\n", "007", "-42", "999999999999999",
					    "-999999999999999", "9999999999999999",
					    "12345678901234567890", "+5", "-", "1-", "0x10", "1 2",
					    "0.00", "12.34", "-0.5", "3.", ".5", ".", "-.", "1.2.3",
					    "0.000000000000001", "99999999.9999999", "9999999.99999999",
					    "1.5e3", "0.1", "0.30000000000000004" };
	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		char *end;
		const char *t = ints[k];
		while (*t == ' ')
			t++;
		double want = strtod(t, &end);
		bool ok = end != t && (*end == '\0' || *end == '\n');
		CHECK_INT(str_double(ints[k], &d), ok ? 0 : -EINVAL);
		if (ok)
			CHECK(d == want && signbit(d) == signbit(want));
	}
	/* and bit for bit on random decimals of up to 15 digits, the point anywhere */
	srand(7);
	for (int k = 0; k < 200000; k++) {
		char t[24];
		int nd = 1 + rand() % 15, pt = rand() % (nd + 1), n = 0;
		if (rand() % 2)
			t[n++] = '-';
		for (int j = 0; j < nd; j++) {
			if (j == pt)
				t[n++] = '.';
			t[n++] = (char)('0' + rand() % 10);
		}
		t[n] = '\0';
		double want = strtod(t, NULL);
		CHECK_INT(str_double(t, &d), 0);
		if (d != want || signbit(d) != signbit(want)) {
			CHECK_STR(t, "a decimal str_double reads as strtod does");
			break;
		}
	}
	CHECK_INT(span_u64_base(span_cstr("0x1f"), 16, &u), 0);
	CHECK_INT(u, 31);
	char big[200];
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(str_u64(big, &u), -EINVAL); /* longer than any number we accept */
	/* a span is not NUL-terminated: digits after its end must not count */
	struct span s = { "123456", 3 };
	CHECK_INT(span_u64(s, &u), 0);
	CHECK_INT(u, 123);
}

/* span_u64_base in bases 8, 10 and 16 against strtoull over random text: digits of
 * every kind, letters of both cases, a sign, "0x", blanks around, values at and past
 * 2^64; both agree on the value and on -EINVAL / -ERANGE. */
static void based_numbers_match_strtoull(void)
{
	static const char alphabet[] = "0123456789abcdefABCDEFxX+- g";
	static const int bases[] = { 8, 10, 16 };
	srand(11);
	for (int i = 0; i < 200000; i++) {
		char t[40];
		int n = 0, len = 1 + rand() % 24, base = bases[i % 3];
		if (rand() % 4 == 0)
			t[n++] = ' ';
		for (int k = 0; k < len; k++)
			t[n++] = rand() % 8 ? alphabet[rand() % (base == 16 ? 22 : base)]
					    : alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		if (rand() % 4 == 0)
			t[n++] = '\n';
		t[n] = '\0';
		if (i % 50 == 0) /* around the top: 2^64 - 1 and past it */
			n = snprintf(t, sizeof(t), base == 16 ? "%llx%s" : base == 8 ? "%llo%s" : "%llu%s",
				     (unsigned long long)(UINT64_MAX - (unsigned)(rand() % 3)),
				     rand() % 2 ? "0" : "");
		/* what strtoull makes of it, under span_u64_base's rules */
		struct span tr = span_trim((struct span){ t, (size_t)n });
		char z[40];
		memcpy(z, tr.p, tr.len);
		z[tr.len] = '\0';
		char *end;
		errno = 0;
		unsigned long long want = strtoull(z, &end, base);
		int want_r = tr.len == 0 || z[0] == '-' || z[0] == '+' || end == z || *end ? -EINVAL
			     : errno == ERANGE ? -ERANGE : 0;
		uint64_t got = 0;
		int r = span_u64_base((struct span){ t, (size_t)n }, base, &got);
		if (r != want_r || (r == 0 && got != want)) {
			CHECK_STR(t, "a number span_u64_base reads as strtoull does");
			break;
		}
	}
}

static void words_and_fields(void)
{
	struct span s = span_cstr("  a\tbb  c\n"), w;
	const char *want[] = { "a", "bb", "c" };
	for (int k = 0; k < 3; k++) {
		CHECK(span_word(&s, &w));
		CHECK(span_eq(w, want[k]));
	}
	CHECK(!span_word(&s, &w));
	struct span f = span_cstr("x,,y,"), part;
	const char *fields[] = { "x", "", "y", "" };
	for (int k = 0; k < 4; k++) {
		CHECK(span_field(&f, ',', &part));
		CHECK(span_eq(part, fields[k]));
	}
	CHECK(!span_field(&f, ',', &part));
	struct cursor cur = cursor_init("l1\nl2\n\nl4", 10);
	struct span line;
	int n = 0;
	while (cursor_line(&cur, &line))
		n++;
	CHECK_INT(n, 4);
	/* backwards: the same lines, last first */
	const char *texts[] = { "l1\nl2\n\nl4", "l1\nl2\n\nl4\n", "\n", "", "x" };
	for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		struct span fw[8], bw;
		size_t nf = 0, nb = 0, len = strlen(texts[k]);
		cur = cursor_init(texts[k], len);
		while (nf < 8 && cursor_line(&cur, &fw[nf]))
			nf++;
		cur = cursor_init(texts[k], len);
		while (cursor_line_back(&cur, &bw)) {
			CHECK(nb < nf && bw.p == fw[nf - 1 - nb].p && bw.len == fw[nf - 1 - nb].len);
			nb++;
		}
		CHECK_INT(nb, nf);
	}
	char dst[4];
	CHECK_INT(span_copy(span_cstr("abcdef"), dst, sizeof(dst)), -ENAMETOOLONG);
	CHECK_STR(dst, "abc");
}

static void joined_spans(void)
{
	char d[8];
	const struct span two[] = { SPAN_LIT("ab"), SPAN_LIT("cde") };
	CHECK_INT(span_join(d, sizeof(d), two, 2), 5);
	CHECK_STR(d, "abcde");
	const struct span seven[] = { SPAN_LIT("abcd"), SPAN_LIT(""), SPAN_LIT("efg") };
	CHECK_INT(span_join(d, sizeof(d), seven, 3), 7); /* exactly fills it, NUL included */
	CHECK_STR(d, "abcdefg");
	const struct span eight[] = { SPAN_LIT("abcd"), SPAN_LIT("efgh") };
	CHECK_INT(span_join(d, sizeof(d), eight, 2), -ENAMETOOLONG);
	CHECK_STR(d, "");
	CHECK_INT(span_join(d, sizeof(d), NULL, 0), 0);
	CHECK_STR(d, "");
	CHECK_INT(span_join(d, 0, two, 2), -ENAMETOOLONG);
}

static void bounded_buffer(void)
{
	struct buf b = { .max = 8 };
	CHECK_INT(buf_puts(&b, "12345678"), 0);
	CHECK_INT(buf_putc(&b, '9'), -E2BIG);
	CHECK_INT(b.len, 8);
	buf_reset(&b);
	CHECK_INT(buf_printf(&b, "%d-%s", 7, "x"), 0);
	CHECK_STR(b.p, "7-x");
	buf_fini(&b);
}

static void paths(void)
{
	char out[32];
	CHECK_INT(path_join(out, sizeof(out), "/proc", "stat"), 0);
	CHECK_STR(out, "/proc/stat");
	CHECK_INT(path_join(out, sizeof(out), "/proc/", "/stat"), 0);
	CHECK_STR(out, "/proc/stat");
	CHECK_INT(path_join(out, sizeof(out), "/", "etc/os-release"), 0);
	CHECK_STR(out, "/etc/os-release");
	CHECK_INT(path_join(out, sizeof(out), NULL, "rel"), 0);
	CHECK_STR(out, "rel");
	CHECK_INT(path_join(out, 8, "/proc", "stat"), -ENAMETOOLONG);
}

static void procfile_rereads(void)
{
	static char big[70000];
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "f", "first");
	struct procfile pf;
	CHECK_INT(procfile_init(&pf, t.root, "f", 64 * 1024), 0);
	CHECK_INT(procfile_read(&pf), 0);
	CHECK_STR(pf.buf, "first");
	/* grows past the initial buffer, up to the limit */
	memset(big, 'x', 10000);
	tmptree_write(&t, "f", big, 10000);
	CHECK_INT(procfile_read(&pf), 0);
	CHECK_INT(pf.len, 10000);
	memset(big, 'y', 70000);
	tmptree_write(&t, "f", big, 70000);
	CHECK_INT(procfile_read(&pf), -EFBIG);
	CHECK_INT(pf.len, 0);
	/* a replaced file is still read through the held fd; a removed one fails */
	tmptree_del(&t, "f");
	int r = procfile_read(&pf);
	CHECK(r == -EFBIG || r == 0 || r == -ENOENT);
	procfile_fini(&pf);
	CHECK_INT(procfile_init(&pf, t.root, "missing", 0), 0);
	CHECK_INT(procfile_read(&pf), -ENOENT);
	procfile_fini(&pf);
	procfile_fini(&pf); /* twice is fine */
	/* a zeroed procfile or dirscan must not close fd 0 */
	struct procfile zpf;
	struct dirscan zds;
	memset(&zpf, 0, sizeof(zpf));
	memset(&zds, 0, sizeof(zds));
	procfile_fini(&zpf);
	dirscan_fini(&zds);
	CHECK(fcntl(0, F_GETFD) >= 0 || errno != EBADF);
	/* a limit below the first read size still reads a small file */
	CHECK_INT(procfile_init(&pf, t.root, "small", 100), 0);
	tmptree_put(&t, "small", "42\n");
	CHECK_INT(procfile_read(&pf), 0);
	CHECK_STR(pf.buf, "42\n");
	procfile_fini(&pf);
	tmptree_rm(&t);
}

/* A file marked whole is read with one pread where it fits the buffer, and still read
 * in full where it does not; unmarked files take the extra read that sees end of file. */
static void procfile_whole_reads(void)
{
	static char big[10000];
	struct tmptree t;
	struct procfile plain, whole;
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "f", "first\n");
	CHECK_INT(procfile_init(&plain, t.root, "f", 0), 0);
	CHECK_INT(procfile_init(&whole, t.root, "f", 0), 0);
	procfile_set_whole(&whole);
	CHECK_INT(procfile_read(&plain), 0);
	CHECK_INT(procfile_read(&whole), 0);
	CHECK_STR(whole.buf, "first\n");
	CHECK_INT(plain.preads, 2);
	CHECK_INT(whole.preads, 1);
	/* larger than the first buffer: full reads keep going, the short one ends it */
	memset(big, 'z', sizeof(big));
	tmptree_write(&t, "f", big, sizeof(big));
	CHECK_INT(procfile_read(&whole), 0);
	CHECK_INT(whole.len, sizeof(big));
	CHECK(whole.buf[sizeof(big) - 1] == 'z' && whole.buf[sizeof(big)] == '\0');
	CHECK_INT(whole.preads, 1 + 3); /* 4095, 4096, then 1809 of 8192 */
	/* an empty file: the first read returns 0 either way */
	tmptree_write(&t, "f", "", 0);
	CHECK_INT(procfile_read(&whole), 0);
	CHECK_INT(whole.len, 0);
	procfile_fini(&plain);
	procfile_fini(&whole);
	/* a kernel file of /proc/sys reads the same both ways, in one call when whole */
	CHECK_INT(procfile_init(&plain, "/proc", "sys/kernel/ostype", 64), 0);
	CHECK_INT(procfile_init(&whole, "/proc", "sys/kernel/ostype", 64), 0);
	procfile_set_whole(&whole);
	CHECK_INT(procfile_read(&plain), 0);
	CHECK_INT(procfile_read(&whole), 0);
	CHECK_STR(whole.buf, plain.buf);
	CHECK_STR(whole.buf, "Linux\n");
	CHECK_INT(whole.preads, 1);
	procfile_fini(&plain);
	procfile_fini(&whole);
	tmptree_rm(&t);
}

/* In a private mount namespace of its own (a child, so the test's namespace is left
 * alone): /proc/self/mountinfo reads as unchanged until a mount, a remount or an
 * unmount, each reported once. Returns the failed checks, or -1 when the namespace
 * cannot be made (not root). */
static int mount_changes_child(const char *dir)
{
	int failed = t_checks_failed;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	struct procfile pf;
	CHECK_INT(procfile_init(&pf, "/proc", "self/mountinfo", 0), 0);
	CHECK(procfile_mounts_changed(&pf)); /* nothing read yet */
	CHECK_INT(procfile_read(&pf), 0);
	CHECK(!procfile_mounts_changed(&pf));
	CHECK_INT(mount("plumbtest", dir, "tmpfs", 0, "size=64k"), 0);
	CHECK(procfile_mounts_changed(&pf));
	CHECK(!procfile_mounts_changed(&pf)); /* one report per change */
	CHECK_INT(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	CHECK(procfile_mounts_changed(&pf));
	CHECK_INT(procfile_read(&pf), 0);
	CHECK(strstr(pf.buf, dir) != NULL);
	CHECK_INT(umount(dir), 0);
	CHECK(procfile_mounts_changed(&pf));
	CHECK_INT(procfile_read(&pf), 0);
	CHECK(strstr(pf.buf, dir) == NULL);
	CHECK(!procfile_mounts_changed(&pf));
	procfile_fini(&pf);
	return t_checks_failed - failed;
}

static void mount_table_changes(void)
{
	struct tmptree t;
	char dir[PATH_MAX];
	CHECK_INT(tmptree_make(&t), 0);
	/* a file that is not on procfs gives no signal: always read again */
	tmptree_put(&t, "mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
	struct procfile pf;
	CHECK_INT(procfile_init(&pf, t.root, "mountinfo", 0), 0);
	CHECK_INT(procfile_read(&pf), 0);
	CHECK(procfile_mounts_changed(&pf));
	CHECK(procfile_mounts_changed(&pf));
	procfile_fini(&pf);
	CHECK_INT(tmptree_mkdir(&t, "mnt"), 0);
	tmptree_path(&t, "mnt", dir, sizeof(dir));
	pid_t pid = fork();
	if (pid == 0) {
		int failed = mount_changes_child(dir);
		_exit(failed < 0 ? 77 : failed == 0 ? 0 : 1);
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		printf("mount_table_changes: no mount namespace of our own (not root?): the "
		       "procfs half is not checked\n");
	else
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tmptree_rm(&t);
}

static void directory_scan(void)
{
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	char entry[64];
	for (int i = 0; i < 300; i++) {
		snprintf(entry, sizeof(entry), "entry-with-a-longish-name-%03d", i);
		tmptree_put(&t, entry, "");
	}
	struct dirscan ds;
	CHECK_INT(dirscan_init(&ds, t.root, ""), 0);
	for (int round = 0; round < 2; round++) {
		CHECK_INT(dirscan_rewind(&ds), 0);
		const char *name;
		unsigned char type;
		int n = 0, r;
		while ((r = dirscan_next(&ds, &name, &type)) == 1)
			n++;
		CHECK_INT(r, 0);
		CHECK_INT(n, 300);
	}
	dirscan_fini(&ds);
	tmptree_rm(&t);
	CHECK_INT(dirscan_init(&ds, "/nonexistent", "x"), 0);
	CHECK_INT(dirscan_rewind(&ds), -ENOENT);
	dirscan_fini(&ds);
}

/* A kernel directory is listed without the read that returns nothing, and still in
 * full: /proc/self/fd with 600 more descriptors (about 14 KiB of records, more than
 * one buffer) against readdir's count, twice. A plain folder is not taken for one. */
static void kernel_directory_scan(void)
{
	int fds[600], n_open = 0;
	for (int i = 0; i < 600; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
			n_open++;
	CHECK_INT(n_open, 600);
	struct dirscan ds;
	CHECK_INT(dirscan_init(&ds, "/proc/self", "fd"), 0);
	for (int round = 0; round < 2; round++) {
		CHECK_INT(dirscan_rewind(&ds), 0);
		CHECK(ds.kernel && ds.scan.fill_ends);
		const char *name;
		unsigned char type;
		int n = 0, r, expect = 0;
		while ((r = dirscan_next(&ds, &name, &type)) == 1)
			n++;
		CHECK_INT(r, 0);
		DIR *d = opendir("/proc/self/fd");
		CHECK(d != NULL);
		for (struct dirent *e; d && (e = readdir(d));)
			expect += e->d_name[0] != '.';
		if (d)
			closedir(d);
		/* readdir's own descriptor shows in its listing, not in ours */
		CHECK_INT(n, expect - 1);
		CHECK(n > 600);
	}
	dirscan_fini(&ds);
	for (int i = 0; i < 600; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	struct tmptree t;
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(dirscan_init(&ds, t.root, ""), 0);
	CHECK_INT(dirscan_rewind(&ds), 0);
	CHECK(!ds.kernel && !ds.scan.fill_ends);
	dirscan_fini(&ds);
	tmptree_rm(&t);
}

static void filters(void)
{
	struct filter f;
	CHECK_INT(filter_init(&f, "^(eth|lo)", "eth1$"), 0);
	CHECK(filter_pass(&f, "eth0", 4));
	CHECK(!filter_pass(&f, "eth1", 4));
	CHECK(!filter_pass(&f, "wlan0", 5));
	CHECK(filter_pass(&f, "lo", 2));
	filter_fini(&f);
	CHECK_INT(filter_init(&f, "(", NULL), -EINVAL);
	CHECK_INT(filter_init(&f, NULL, ""), 0);
	CHECK(filter_pass(&f, "\xff\xfe", 2)); /* no pattern: everything passes, even bad UTF-8 */
	filter_fini(&f);
	CHECK_INT(filter_init(&f, "a", NULL), 0);
	CHECK(!filter_pass(&f, "\xff\xfe", 2));
	filter_fini(&f);
}

static void durations(void)
{
	int64_t ms;
	CHECK_INT(parse_duration_ms("5s", &ms), 0);
	CHECK_INT(ms, 5000);
	CHECK_INT(parse_duration_ms("1m30s", &ms), 0);
	CHECK_INT(ms, 90000);
	CHECK_INT(parse_duration_ms("250ms", &ms), 0);
	CHECK_INT(ms, 250);
	CHECK_INT(parse_duration_ms("1.5h", &ms), 0);
	CHECK_INT(ms, 5400000);
	CHECK_INT(parse_duration_ms("5", &ms), -EINVAL);
	CHECK_INT(parse_duration_ms("s", &ms), -EINVAL);
	CHECK_INT(parse_duration_ms("-1s", &ms), -EINVAL);
	CHECK_INT(parse_duration_ms("", &ms), -EINVAL);
}

static void command_line(void)
{
	struct plumb_config *cfg;
	char *ok[] = { "plumb", "--web.listen-address=:1", "--web.listen-address", "[::1]:2",
		       "--no-collector.loadavg", "--log.level=debug", NULL };
	CHECK_INT(cfg_parse(6, ok, &cfg), 0);
	const char *const *vals;
	CHECK_INT(cfg_all(cfg, "web.listen-address", &vals), 2);
	CHECK_STR(vals[1], "[::1]:2");
	CHECK(!cfg_bool(cfg, "collector.loadavg"));
	CHECK(cfg_given(cfg, "collector.loadavg"));
	CHECK_STR(cfg_str(cfg, "web.telemetry-path"), "/metrics");
	CHECK_STR(cfg_str(cfg, "path.procfs"), "/proc");
	cfg_free(cfg);
	char *unknown[] = { "plumb", "--no-such-flag", NULL };
	CHECK_INT(cfg_parse(2, unknown, &cfg), -EINVAL);
	CHECK(cfg == NULL);
	char *badint[] = { "plumb", "--web.max-requests=many", NULL };
	CHECK_INT(cfg_parse(2, badint, &cfg), -EINVAL);
	char *novalue[] = { "plumb", "--path.procfs", NULL };
	CHECK_INT(cfg_parse(2, novalue, &cfg), -EINVAL);
	char *negval[] = { "plumb", "--no-collector.loadavg=true", NULL };
	CHECK_INT(cfg_parse(2, negval, &cfg), -EINVAL);
	/* a repeatable flag keeps every value in order as its array grows, up to 64 */
	static char addr[66][48];
	char *many[67] = { "plumb" };
	for (int i = 0; i < 65; i++) {
		snprintf(addr[i], sizeof(addr[i]), "--web.listen-address=:%d", 1000 + i);
		many[i + 1] = addr[i];
	}
	CHECK_INT(cfg_parse(6, many, &cfg), 0);
	CHECK_INT(cfg_all(cfg, "web.listen-address", &vals), 5);
	for (int i = 0; i < 5; i++)
		CHECK_INT(atoi(vals[i] + 1), 1000 + i);
	cfg_free(cfg);
	CHECK_INT(cfg_parse(65, many, &cfg), 0);
	CHECK_INT(cfg_all(cfg, "web.listen-address", &vals), 64);
	CHECK_INT(atoi(vals[63] + 1), 1063);
	cfg_free(cfg);
	CHECK_INT(cfg_parse(66, many, &cfg), -EINVAL);
	CHECK(cfg == NULL);
}

static void sysfs_links(void)
{
	struct tmptree t;
	char p[PATH_MAX], target[256];
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_mkdir(&t, "devices/dev0");
	tmptree_mkdir(&t, "class");
	CHECK_INT(tmptree_link(&t, "class/real", "../devices/dev0"), 0);
	tmptree_put(&t, "class/flat", "../devices/dev0\n");
	tmptree_put(&t, "class/plain", "bond0 bond1\n");
	tmptree_path(&t, "class", p, sizeof(p));
	int cfd = open(p, O_RDONLY | O_DIRECTORY);
	CHECK_INT(sysfs_readlink(cfd, "real", target, sizeof(target)), 0);
	CHECK_STR(target, "../devices/dev0");
	CHECK_INT(sysfs_readlink(cfd, "flat", target, sizeof(target)), 0);
	CHECK_STR(target, "../devices/dev0");
	CHECK_INT(sysfs_readlink(cfd, "plain", target, sizeof(target)), -EINVAL);
	for (int k = 0; k < 2; k++) {
		int fd = sysfs_open_dir(cfd, k ? "flat" : "real");
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
	CHECK_INT(sysfs_open_dir(cfd, "plain"), -ENOTDIR);
	CHECK_INT(sysfs_open_dir(cfd, "missing"), -ENOENT);
	close(cfd);
	tmptree_rm(&t);
}

/* Numbers as Go's strconv.ParseUint/ParseInt with base 0 read them (prometheus/procfs's
 * sysfs values): prefixes, underscores between digits only, signs only when signed. */
static void go_numbers(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} u[] = {
		{ "0", 1, 0 },		  { "42", 1, 42 },	       { "0x1F", 1, 31 },
		{ "0X1f", 1, 31 },	  { "010", 1, 8 },	       { "0o17", 1, 15 },
		{ "0b101", 1, 5 },	  { "1_000", 1, 1000 },	       { "0x_ff", 1, 255 },
		{ "0_7", 1, 7 },	  { " 7\n", 1, 7 },	       { "0xffffffffffffffff", 1, UINT64_MAX },
		{ "18446744073709551615", 1, UINT64_MAX },	       { "18446744073709551616", 0, 0 },
		{ "0x", 0, 0 },		  { "0b", 0, 0 },	       { "08", 0, 0 },
		{ "0b2", 0, 0 },	  { "_1", 0, 0 },	       { "1_", 0, 0 },
		{ "1__0", 0, 0 },	  { "+1", 0, 0 },	       { "-1", 0, 0 },
		{ "", 0, 0 },		  { "1 2", 0, 0 },	       { "N/A (no PMA)", 0, 0 },
	};
	for (size_t k = 0; k < sizeof(u) / sizeof(u[0]); k++) {
		uint64_t v = 12345;
		int r = span_u64_auto(span_cstr(u[k].s), &v);
		CHECK_RESULT(r, u[k].ok);
		if (u[k].ok && v != u[k].v)
			fprintf(stderr, "span_u64_auto(\"%s\") gave %llu\n", u[k].s, (unsigned long long)v);
		CHECK(!u[k].ok || v == u[k].v);
		CHECK(u[k].ok || v == 12345); /* untouched on error */
	}
	int64_t i;
	CHECK(span_i64_auto(SPAN_LIT("-0x10"), &i) == 0 && i == -16);
	CHECK(span_i64_auto(SPAN_LIT("+0b11"), &i) == 0 && i == 3);
	CHECK(span_i64_auto(SPAN_LIT("-9223372036854775808"), &i) == 0 && i == INT64_MIN);
	CHECK(span_i64_auto(SPAN_LIT("9223372036854775807"), &i) == 0 && i == INT64_MAX);
	CHECK(span_i64_auto(SPAN_LIT("9223372036854775808"), &i) == -ERANGE);
	CHECK(span_i64_auto(SPAN_LIT("- 5"), &i) < 0);
	CHECK(span_i64_auto(SPAN_LIT("--5"), &i) < 0);
	CHECK(span_i64_auto(SPAN_LIT("-"), &i) < 0);
	/* Go's Atoi: sign and digits, nothing around them */
	CHECK(span_atoi(SPAN_LIT("+12"), &i) == 0 && i == 12);
	CHECK(span_atoi(SPAN_LIT("-9223372036854775808"), &i) == 0 && i == INT64_MIN);
	CHECK(span_atoi(SPAN_LIT("9223372036854775808"), &i) == -ERANGE);
	CHECK(span_atoi(SPAN_LIT("007"), &i) == 0 && i == 7);
	CHECK(span_atoi(SPAN_LIT("1\n"), &i) == -EINVAL);
	CHECK(span_atoi(SPAN_LIT(" 1"), &i) == -EINVAL);
	CHECK(span_atoi(SPAN_LIT("1_0"), &i) == -EINVAL);
	CHECK(span_atoi(SPAN_LIT("0x1"), &i) == -EINVAL);
	CHECK(span_atoi(SPAN_LIT("+"), &i) == -EINVAL);
	CHECK(span_atoi(SPAN_LIT(""), &i) == -EINVAL);
}

/* sysfs_attr reads one buffer of at most SYSFS_ATTR_MAX bytes and trims it. */
static void sysfs_attributes(void)
{
	struct tmptree t;
	char p[PATH_MAX], buf[SYSFS_ATTR_MAX + 1], big[300];
	struct span v;
	CHECK_INT(tmptree_make(&t), 0);
	memset(big, 'a', sizeof(big));
	big[0] = ' ';
	tmptree_write(&t, "d/big", big, sizeof(big));
	tmptree_put(&t, "d/small", "  Online \n");
	tmptree_put(&t, "d/empty", "");
	tmptree_path(&t, "d", p, sizeof(p));
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	CHECK_INT(sysfs_attr(fd, "small", buf, sizeof(buf), &v), 0);
	CHECK(span_eq(v, "Online"));
	CHECK_INT(sysfs_attr(fd, "big", buf, sizeof(buf), &v), 0);
	CHECK_INT(v.len, SYSFS_ATTR_MAX - 1); /* 128 bytes read, the leading space trimmed */
	CHECK_INT(sysfs_attr(fd, "empty", buf, sizeof(buf), &v), 0);
	CHECK_INT(v.len, 0);
	CHECK_INT(sysfs_attr(fd, "missing", buf, sizeof(buf), &v), -ENOENT);
	CHECK_INT(sysfs_attr(fd, ".", buf, sizeof(buf), &v), -EISDIR);
	close(fd);
	tmptree_rm(&t);
}

/* Log one line with plog in format, values v1 and v2, stderr sent to a file; the line
 * (NUL-terminated) into out. Returns its length, or -1. */
static long log_line(const char *format, const char *v1, const char *v2, char *out, size_t cap)
{
	char path[] = "/tmp/plumb-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	long n = -1;
	if (fd < 0 || saved < 0 || log_setup("info", format) < 0)
		goto out;
	unlink(path);
	dup2(fd, STDERR_FILENO);
	plog(LOG_WARN, "a long line", "first", v1, "second", v2, "third", "x", PLOG_END);
	dup2(saved, STDERR_FILENO);
	n = pread(fd, out, cap - 1, 0);
	out[n < 0 ? 0 : n] = '\0';
out:
	if (fd >= 0)
		close(fd);
	if (saved >= 0)
		close(saved);
	log_setup("info", "logfmt");
	return n;
}

/* A value too long for a log line is cut, never mid-escape or mid-character, and the
 * line still ends well: JSON that parses (the cut value a prefix of the real one, the
 * pairs after it left out), logfmt with the quote closed. */
static void log_lines_stay_whole(void)
{
	/* 1,500 characters of 1 to 6 bytes escaped: é, a quote, a control byte, a letter */
	static char v[8192];
	size_t vl = 40;
	memset(v, 'a', vl);
	for (int i = 0; i < 1500; i++) {
		static const char *const parts[] = { "\xc3\xa9", "\"", "\x01", "a" };
		const char *p = parts[(i * 7 + i / 3) % 4];
		memcpy(v + vl, p, strlen(p));
		vl += strlen(p);
	}
	v[vl] = '\0';
	char line[8192];
	for (int shift = 0; shift < 40; shift++) {
		const char *val = v + shift; /* cuts at 40 places, within an escape or not */
		long n = log_line("json", val, "short", line, sizeof(line));
		CHECK(n > 1000 && n <= 2048 && line[n - 1] == '\n');
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		CHECK(j != NULL);
		if (!j) {
			fprintf(stderr, "not JSON (%s): %s\n", err.text, line);
			continue;
		}
		const char *first = json_string_value(json_object_get(j, "first"));
		CHECK(first && strlen(first) > 500 && strncmp(first, val, strlen(first)) == 0);
		CHECK(json_object_get(j, "second") == NULL && json_object_get(j, "third") == NULL);
		CHECK_STR(json_string_value(json_object_get(j, "msg")), "a long line");
		json_decref(j);

		n = log_line("logfmt", "short", val, line, sizeof(line));
		CHECK(n > 1000 && n <= 2048 && memcmp(line + n - 2, "\"\n", 2) == 0);
		CHECK(strstr(line, " first=short second=\"") != NULL);
		CHECK(strstr(line, "third=") == NULL);
	}
	/* lines that fit are whole */
	CHECK(log_line("json", "one", "two", line, sizeof(line)) > 0);
	CHECK(strstr(line, "\"first\":\"one\",\"second\":\"two\",\"third\":\"x\"}\n") != NULL);
}

int main(void)
{
	RUN(numbers);
	RUN(based_numbers_match_strtoull);
	RUN(words_and_fields);
	RUN(joined_spans);
	RUN(bounded_buffer);
	RUN(paths);
	RUN(procfile_rereads);
	RUN(procfile_whole_reads);
	RUN(mount_table_changes);
	RUN(directory_scan);
	RUN(kernel_directory_scan);
	RUN(filters);
	RUN(durations);
	RUN(command_line);
	RUN(sysfs_links);
	RUN(go_numbers);
	RUN(sysfs_attributes);
	RUN(log_lines_stay_whole);
	return T_DONE("test_lib");
}
