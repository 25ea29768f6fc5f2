// Package installer holds what Ardoise puts on a computer besides its
// programs — the service definition, the window's start at login, the
// default policy — and the code of "ardoise install" and "ardoise
// uninstall" that writes it and takes exactly that away again.
//
// The same files go into the packages: the Debian package ships
// linux/ardoise.service and linux/ardoise-gui.desktop as they are, so a
// machine set up by hand and one set up from the package run the same
// service. The folders beside this file hold the packaging itself (deb/,
// windows/) and the fleet tools (ansible/, gpo/).
//
// The service manager is behind the small [Service] interface, so that
// tests never register a real service (kardianos/service's Install writes
// init files as root).
package installer
