package browsers

// known is the Linux table. Executables are the real programs behind the
// launcher scripts of Debian, Ubuntu and the vendors' packages, and their
// crash reporters, which leave the browser's process tree: the processes
// carry these paths. Launch uses the first one present. Debian's firefox-esr reads
// /etc/firefox/policies (not /etc/firefox-esr), and new Firefox profiles
// live under ~/.config/mozilla/firefox, old ones under ~/.mozilla/firefox
// (libraries.md §6).
var known = []Browser{
	{
		ID: Firefox, Name: "Firefox", Family: MozillaFamily, PrivateFlag: "--private-window",
		Launchers: []string{"/usr/bin/firefox-esr", "/usr/bin/firefox"},
		Executables: []string{"/usr/lib/firefox-esr/firefox-esr", "/usr/lib/firefox/firefox", "/usr/lib64/firefox/firefox", "/opt/firefox/firefox",
			// The crash helper leaves the browser's process tree.
			"/usr/lib/firefox-esr/crashhelper", "/usr/lib/firefox/crashhelper", "/opt/firefox/crashhelper"},
		PolicyFile: "/etc/firefox/policies/policies.json",
		ProfileRoots: []string{
			".config/mozilla/firefox", ".mozilla/firefox",
			".cache/mozilla/firefox",
		},
	},
	{
		ID: Chromium, Name: "Chromium", Family: ChromiumFamily, PrivateFlag: "--incognito",
		Launchers: []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"},
		Executables: []string{"/usr/lib/chromium/chromium", "/usr/lib/chromium-browser/chromium-browser", "/usr/lib64/chromium-browser/chromium-browser",
			"/usr/lib/chromium/chrome_crashpad_handler", "/usr/lib/chromium-browser/chrome_crashpad_handler"},
		PolicyFile:   "/etc/chromium/policies/managed/ardoise.json",
		ProfileRoots: []string{".config/chromium", ".cache/chromium"},
	},
	{
		ID: Chrome, Name: "Google Chrome", Family: ChromiumFamily, PrivateFlag: "--incognito",
		Launchers:    []string{"/usr/bin/google-chrome-stable", "/usr/bin/google-chrome"},
		Executables:  []string{"/opt/google/chrome/chrome", "/opt/google/chrome/chrome_crashpad_handler"},
		PolicyFile:   "/etc/opt/chrome/policies/managed/ardoise.json",
		ProfileRoots: []string{".config/google-chrome", ".cache/google-chrome"},
	},
	{
		ID: Edge, Name: "Microsoft Edge", Family: ChromiumFamily, PrivateFlag: "--inprivate",
		Launchers:    []string{"/usr/bin/microsoft-edge-stable", "/usr/bin/microsoft-edge"},
		Executables:  []string{"/opt/microsoft/msedge/msedge", "/opt/microsoft/msedge/msedge_crashpad_handler"},
		PolicyFile:   "/etc/opt/edge/policies/managed/ardoise.json",
		ProfileRoots: []string{".config/microsoft-edge", ".cache/microsoft-edge"},
	},
}
