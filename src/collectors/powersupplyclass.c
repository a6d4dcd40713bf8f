/*
 * powersupplyclass: batteries, mains adapters and USB supplies from
 * /sys/class/power_supply, as node_exporter's powersupplyclass collector reports them.
 *
 * Each supply directory holds one attribute per file. Known numeric attributes become
 * node_power_supply_<name>{power_supply=...} gauges: counts and percentages as they
 * are, micro-units (µA, µV, µWh, µW) divided by 1e6, tenths of a degree divided by 10.
 * Known text attributes become labels of node_power_supply_info. Supplies whose name
 * matches --collector.powersupply.ignored-supplies are left out.
 *
 * Steady state: the class directory and each supply's directory are listed with
 * dirscans in priv; values are read into buffers inside priv.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collectors/powersupplyclass.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/procfile.h"
#include "lib/regex.h"
#include "lib/utf8valid.h"

static const struct flag_def psu_flags[] = {
	{ "collector.powersupply.ignored-supplies", FLAG_REGEX, "^$",
	  "Power supplies to leave out, as a regular expression.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* A numeric attribute: its file, the family it feeds and the divisor. */
struct num_attr {
	const char *file;
	struct metric_desc d;
	double div;
};

#define G(n, h) { "node_power_supply_" n, h, METRIC_GAUGE }
static const struct num_attr num_attrs[] = {
	{ "authentic", G("authentic", "1 if the supply reports itself as genuine."), 1 },
	{ "calibrate", G("calibrate", "Calibration state the supply reports."), 1 },
	{ "capacity", G("capacity", "Charge of the supply in percent."), 1 },
	{ "capacity_alert_max", G("capacity_alert_max", "Upper capacity alert, percent."), 1 },
	{ "capacity_alert_min", G("capacity_alert_min", "Lower capacity alert, percent."), 1 },
	{ "cycle_count", G("cyclecount", "Charge cycles the battery went through."), 1 },
	{ "online", G("online", "1 when the supply is connected and delivering."), 1 },
	{ "present", G("present", "1 when the supply is present."), 1 },
	{ "time_to_empty_now", G("time_to_empty_seconds", "Seconds until empty, as estimated."),
	  1 },
	{ "time_to_full_now", G("time_to_full_seconds", "Seconds until full, as estimated."), 1 },
	{ "current_boot", G("current_boot", "Current at boot, amperes."), 1e6 },
	{ "current_max", G("current_max", "Maximum current, amperes."), 1e6 },
	{ "current_now", G("current_ampere", "Current now, amperes."), 1e6 },
	{ "energy_empty", G("energy_empty", "Energy when empty, watt-hours."), 1e6 },
	{ "energy_empty_design", G("energy_empty_design", "Design energy when empty, Wh."), 1e6 },
	{ "energy_full", G("energy_full", "Energy when full, watt-hours."), 1e6 },
	{ "energy_full_design", G("energy_full_design", "Design energy when full, Wh."), 1e6 },
	{ "energy_now", G("energy_watthour", "Energy stored now, watt-hours."), 1e6 },
	{ "voltage_boot", G("voltage_boot", "Voltage at boot, volts."), 1e6 },
	{ "voltage_max", G("voltage_max", "Maximum voltage seen, volts."), 1e6 },
	{ "voltage_max_design", G("voltage_max_design", "Design maximum voltage, volts."), 1e6 },
	{ "voltage_min", G("voltage_min", "Minimum voltage seen, volts."), 1e6 },
	{ "voltage_min_design", G("voltage_min_design", "Design minimum voltage, volts."), 1e6 },
	{ "voltage_now", G("voltage_volt", "Voltage now, volts."), 1e6 },
	{ "voltage_ocv", G("voltage_ocv", "Open-circuit voltage, volts."), 1e6 },
	{ "charge_control_limit", G("charge_control_limit", "Charge control limit."), 1e6 },
	{ "charge_control_limit_max", G("charge_control_limit_max", "Highest charge control limit."),
	  1e6 },
	{ "charge_counter", G("charge_counter", "Charge counter, ampere-hours."), 1e6 },
	{ "charge_empty", G("charge_empty", "Charge when empty, ampere-hours."), 1e6 },
	{ "charge_empty_design", G("charge_empty_design", "Design charge when empty, Ah."), 1e6 },
	{ "charge_full", G("charge_full", "Charge when full, ampere-hours."), 1e6 },
	{ "charge_full_design", G("charge_full_design", "Design charge when full, Ah."), 1e6 },
	{ "charge_now", G("charge_ampere", "Charge stored now, ampere-hours."), 1e6 },
	{ "charge_term_current", G("charge_term_current", "Charge termination current, A."), 1e6 },
	{ "constant_charge_current", G("constant_charge_current", "Constant charge current, A."),
	  1e6 },
	{ "constant_charge_current_max",
	  G("constant_charge_current_max", "Highest constant charge current, A."), 1e6 },
	{ "constant_charge_voltage", G("constant_charge_voltage", "Constant charge voltage, V."),
	  1e6 },
	{ "constant_charge_voltage_max",
	  G("constant_charge_voltage_max", "Highest constant charge voltage, V."), 1e6 },
	{ "precharge_current", G("precharge_current", "Pre-charge current, amperes."), 1e6 },
	{ "input_current_limit", G("input_current_limit", "Input current limit, amperes."), 1e6 },
	{ "power_now", G("power_watt", "Power drawn or delivered now, watts."), 1e6 },
	{ "temp", G("temp_celsius", "Temperature, degrees Celsius."), 10 },
	{ "temp_alert_max", G("temp_alert_max_celsius", "Upper temperature alert, Celsius."), 10 },
	{ "temp_alert_min", G("temp_alert_min_celsius", "Lower temperature alert, Celsius."), 10 },
	{ "temp_ambient", G("temp_ambient_celsius", "Ambient temperature, Celsius."), 10 },
	{ "temp_ambient_max", G("temp_ambient_max_celsius", "Upper ambient alert, Celsius."), 10 },
	{ "temp_ambient_min", G("temp_ambient_min_celsius", "Lower ambient alert, Celsius."), 10 },
	{ "temp_max", G("temp_max_celsius", "Highest allowed temperature, Celsius."), 10 },
	{ "temp_min", G("temp_min_celsius", "Lowest allowed temperature, Celsius."), 10 },
};
#undef G
#define NUM_ATTRS (sizeof(num_attrs) / sizeof(num_attrs[0]))

/* Text attributes, in label-name order (the order node_power_supply_info's labels are
 * written in); index 5 is the supply's own name, filled by psu_emit. */
static const struct {
	const char *file, *label;
} str_attrs[12] = {
	{ "capacity_level", "capacity_level" }, { "charge_type", "charge_type" },
	{ "health", "health" },                 { "manufacturer", "manufacturer" },
	{ "model_name", "model_name" },         { NULL, "power_supply" },
	{ "scope", "scope" },                   { "serial_number", "serial_number" },
	{ "status", "status" },                 { "technology", "technology" },
	{ "type", "type" },                     { "usb_type", "usb_type" },
};

static const struct metric_desc desc_info = {
	"node_power_supply_info", "Text attributes of a power supply as labels; always 1.",
	METRIC_GAUGE
};

/* Value of hex/octal/binary digit c, or 99. */
static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int psu_parse_int(struct span s, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	unsigned base = 10;
	uint64_t v = 0;
	if (s.len && (s.p[0] == '+' || s.p[0] == '-'))
		neg = s.p[i++] == '-';
	if (s.len - i >= 2 && s.p[i] == '0') {
		char b = s.p[i + 1];
		base = (b == 'x' || b == 'X') ? 16 : (b == 'o' || b == 'O') ? 8 : (b == 'b' || b == 'B') ? 2 : 8;
		i += base == 8 && !(b == 'o' || b == 'O') ? 1 : 2;
	}
	if (i >= s.len)
		return -EINVAL;
	for (; i < s.len; i++) {
		unsigned d = (unsigned)digit_val(s.p[i]);
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return -ERANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int psu_record(struct psu_values *v, const char *name, struct span value)
{
	for (size_t i = 0; i < NUM_ATTRS; i++) {
		if (strcmp(name, num_attrs[i].file) != 0)
			continue;
		if (psu_parse_int(value, &v->num[i]) < 0)
			return -EINVAL;
		v->have |= 1ull << i;
		return 0;
	}
	for (size_t i = 0; i < 12; i++) {
		if (str_attrs[i].file && strcmp(name, str_attrs[i].file) == 0) {
			utf8_valid_copy(value, v->str[i], sizeof(v->str[i]));
			return 0;
		}
	}
	return 0;
}

int psu_emit(const struct psu_values *v, const char *supply, struct metric_sink *out)
{
	struct label ls[12];
	size_t n = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < NUM_ATTRS; i++) {
		if (v->have & (1ull << i))
			r = sink_add(out, &num_attrs[i].d, (double)v->num[i] / num_attrs[i].div,
				     LABELS(L("power_supply", supply)));
	}
	for (size_t i = 0; i < 12; i++) {
		const char *val = str_attrs[i].file ? v->str[i] : supply;
		if (*val)
			ls[n++] = L(str_attrs[i].label, val);
	}
	if (r == 0)
		r = sink_add(out, &desc_info, 1, ls, n);
	return r;
}

struct psu_priv {
	struct dirscan cls, dev;
	struct filter ignore;
	struct psu_values vals;
	char value[4096];
};

/* Whether a read error means "this attribute is not there now" (skip it). */
static bool skippable(int r)
{
	return r == -ENOENT || r == -EOPNOTSUPP || r == -EINVAL || r == -ENODATA ||
	       r == -EAGAIN || r == -EISDIR;
}

/* Read every regular file of supply `name` into p->vals. */
static int psu_read(struct psu_priv *p, const char *name)
{
	const char *f;
	unsigned char type;
	int r = dirscan_init(&p->dev, p->cls.path, name);
	if (r == 0)
		r = dirscan_rewind(&p->dev);
	memset(&p->vals, 0, sizeof(p->vals));
	while (r == 0 && (r = dirscan_next(&p->dev, &f, &type)) > 0) {
		struct stat st;
		r = 0;
		if (type != DT_REG && (type != DT_UNKNOWN ||
				       fstatat(dirscan_fd(&p->dev), f, &st, 0) < 0 || !S_ISREG(st.st_mode)))
			continue;
		int e = read_attr(dirscan_fd(&p->dev), f, p->value, sizeof(p->value));
		if (e < 0) {
			r = skippable(e) ? 0 : e;
			continue;
		}
		r = psu_record(&p->vals, f, span_trim(span_cstr(p->value)));
	}
	dirscan_fini(&p->dev);
	return r;
}

static int psu_init(struct collector *c)
{
	struct psu_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->cls.fd = p->dev.fd = -1;
	int r = filter_init(&p->ignore, NULL, cfg_str(c->cfg, "collector.powersupply.ignored-supplies"));
	if (r == 0)
		r = dirscan_init(&p->cls, cfg_sysfs(c->cfg), "class/power_supply");
	return r;
}

static int psu_collect(struct collector *c, struct metric_sink *out)
{
	struct psu_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->cls);
	if (r < 0)
		return r; /* no power_supply class: node_exporter reports no data */
	while ((r = dirscan_next(&p->cls, &name, &type)) > 0) {
		if (!filter_pass(&p->ignore, name, strlen(name)))
			continue;
		r = psu_read(p, name);
		if (r == 0)
			r = psu_emit(&p->vals, name, out);
		if (r < 0)
			return r;
	}
	return r;
}

static void psu_fini(struct collector *c)
{
	struct psu_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->cls);
	dirscan_fini(&p->dev);
	filter_fini(&p->ignore);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_powersupplyclass = {
	.name = "powersupplyclass",
	.default_enabled = true,
	.reads = "/sys/class/power_supply",
	.flags = psu_flags,
	.init = psu_init,
	.collect = psu_collect,
	.fini = psu_fini,
};
