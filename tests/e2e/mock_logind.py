'''mock_logind: a python-dbusmock template serving what plumb's and node_exporter's logind
collectors ask of org.freedesktop.login1, from the JSON parameters the test passes:
  {"seats": ["seat0"],
   "sessions": [{"id": "1", "seat": "seat0", "remote": false, "type": "tty", "class": "user"}]}
A session given "broken": true has no Type property, so reading it fails.
'''
import dbus

BUS_NAME = 'org.freedesktop.login1'
MAIN_OBJ = '/org/freedesktop/login1'
MAIN_IFACE = 'org.freedesktop.login1.Manager'
SYSTEM_BUS = True


def load(mock, parameters):
    seats = [(s, dbus.ObjectPath(MAIN_OBJ + '/seat/' + s)) for s in parameters.get('seats', [])]
    sessions = []
    for s in parameters.get('sessions', []):
        path = dbus.ObjectPath(MAIN_OBJ + '/session/_3' + s['id'])
        props = {'Id': s['id'], 'Remote': dbus.Boolean(s.get('remote', False)),
                 'Class': s.get('class', 'user')}
        if not s.get('broken'):
            props['Type'] = s.get('type', 'tty')
        mock.AddObject(path, 'org.freedesktop.login1.Session', props, [])
        sessions.append((s['id'], dbus.UInt32(s.get('uid', 1000)), s.get('user', 'u'),
                         s.get('seat', ''), path))
    mock.seat_rows = dbus.Array(seats, signature='(so)')
    mock.session_rows = dbus.Array(sessions, signature='(susso)')
    mock.AddMethod(MAIN_IFACE, 'ListSeats', '', 'a(so)', 'ret = self.seat_rows')
    mock.AddMethod(MAIN_IFACE, 'ListSessions', '', 'a(susso)', 'ret = self.session_rows')
