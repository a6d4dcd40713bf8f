'''mock_systemd: a python-dbusmock template serving what plumb's and node_exporter's systemd
collectors ask of org.freedesktop.systemd1, from the JSON parameters the test passes:
  {"version": "252.1", "state": "running",
   "units": [{"name": "a.service", "load": "loaded", "active": "active", "sub": "running",
              "props": {"org.freedesktop.systemd1.Service": {"Type": "simple", ...}, ...}}]}
Unit objects live at systemd's escaped paths (each byte other than an ASCII letter, or a
digit not first, as _xx). Property types follow systemd: counts are u, times and tasks t.
A unit whose props leave an interface or property out answers Get with an error, as a
real systemd too old to have it would.
'''
import dbus

BUS_NAME = 'org.freedesktop.systemd1'
MAIN_OBJ = '/org/freedesktop/systemd1'
MAIN_IFACE = 'org.freedesktop.systemd1.Manager'
SYSTEM_BUS = True

UINT64 = {'ActiveEnterTimestamp', 'LastTriggerUSec', 'TasksCurrent', 'TasksMax'}
UINT32 = {'NRestarts', 'NAccepted', 'NConnections', 'NRefused'}


def escape(name):
    out = ''
    for i, c in enumerate(name.encode()):
        ch = chr(c)
        if ch.isascii() and (ch.isalpha() or (ch.isdigit() and i > 0)):
            out += ch
        else:
            out += '_%02x' % c
    return out or '_'


def typed(name, value):
    if name in UINT64:
        return dbus.UInt64(value)
    if name in UINT32:
        return dbus.UInt32(value)
    return value


def load(mock, parameters):
    units = parameters.get('units', [])
    props = {}
    if 'version' in parameters:
        props['Version'] = parameters['version']
    if 'state' in parameters:
        props['SystemState'] = parameters['state']
    mock.AddProperties(MAIN_IFACE, props)
    rows = []
    for u in units:
        path = MAIN_OBJ + '/unit/' + escape(u['name'])
        rows.append((u['name'], u.get('description', ''), u.get('load', 'loaded'),
                     u.get('active', 'active'), u.get('sub', 'running'), '',
                     dbus.ObjectPath(path), dbus.UInt32(0), '', dbus.ObjectPath('/')))
        ifaces = dict(u.get('props', {}))
        unit_props = dict(ifaces.pop('org.freedesktop.systemd1.Unit', {}))
        unit_props.setdefault('Id', u['name'])
        unit_props.setdefault('ActiveState', u.get('active', 'active'))
        mock.AddObject(path, 'org.freedesktop.systemd1.Unit',
                       {k: typed(k, v) for k, v in unit_props.items()}, [])
        from dbusmock import mockobject
        obj = mockobject.objects[path]
        for iface, kv in ifaces.items():
            obj.AddProperties(iface, {k: typed(k, v) for k, v in kv.items()})
    mock.AddMethod(MAIN_IFACE, 'ListUnits', '', 'a(ssssssouso)', 'ret = self.unit_rows')
    mock.unit_rows = dbus.Array(rows, signature='(ssssssouso)')
