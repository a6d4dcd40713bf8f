/*
 * pciids: the PCI ID database (pci.ids, from pciutils or hwdata) as node_exporter's
 * pcidevice collector reads it, for its --collector.pcidevice.names labels.
 *
 * The file is text: a vendor line "8086  Intel Corporation", its devices indented by
 * one tab, each device's subsystems by two ("\t\t1028 0001  name"); classes start
 * with "C 01  Mass storage controller", subclasses one tab in, programming interfaces
 * two. An ID and its name are split at the first double space. Lookups go by the ID
 * text exactly as it stands in the file (lower-case hex), and a later entry with the
 * same key wins, as node_exporter's maps do. The database is built once (at start-up)
 * into one arena and a sorted index; lookups allocate nothing.
 */
#ifndef PLUMB_PCIIDS_H
#define PLUMB_PCIIDS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/strparse.h"

enum pciids_kind {
	PCIIDS_VENDOR,   /* key "8086" */
	PCIIDS_DEVICE,   /* key "8086\n1521": vendor, newline, device */
	PCIIDS_SUBSYS,   /* key "8086:1521\n8086:00a3": vendor:device, newline, subsystem's */
	PCIIDS_CLASS,    /* key "02" */
	PCIIDS_SUBCLASS, /* key "0200" */
	PCIIDS_PROGIF,   /* key "010802" */
};

struct pciids_entry {
	uint32_t key_off, key_len;   /* in arena */
	uint32_t name_off, name_len; /* in arena */
	uint32_t seq;                /* line order: the later of equal keys wins */
	uint8_t kind;
};

struct pciids {
	struct buf arena;          /* keys and names; owned */
	struct pciids_entry *e;    /* sorted by kind, key, seq; owned */
	uint32_t n, cap;
};

/* Largest pci.ids accepted (Debian's is about 1.4 MB). */
#define PCIIDS_MAX (16u << 20)

/* Build db (zeroed, or emptied by pciids_fini) from the text buf[0..len). Lines longer
 * than 64 KiB end the load where they stand (node_exporter's line scanner stops there
 * too), keeping what came before. Returns 0, -ENOMEM or -E2BIG; on error db holds
 * whatever was loaded before it and stays valid. */
int pciids_parse(struct pciids *db, const char *buf, size_t len);

/* The name of entry kind/key, or false when there is none. *name points into db. */
bool pciids_lookup(const struct pciids *db, enum pciids_kind kind, struct span key,
		   struct span *name);

/* Free db; accepts a zeroed db; db is zeroed after. */
void pciids_fini(struct pciids *db);

#endif
