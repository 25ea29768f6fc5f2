package browsers

// known is the Windows table. Paths use the usual install folders; the
// policies go to the registry (managedHomes), which the installer writes.
// Profiles are under %LOCALAPPDATA% and %APPDATA%, given here relative to
// the user's profile folder. Not run here: checked by tests on content
// only (README, "what is not tested").
var known = []Browser{
	{
		ID: Firefox, Name: "Firefox", Family: MozillaFamily, PrivateFlag: "-private-window",
		Executables:  []string{`C:\Program Files\Mozilla Firefox\firefox.exe`, `C:\Program Files (x86)\Mozilla Firefox\firefox.exe`},
		ProfileRoots: []string{"AppData/Roaming/Mozilla/Firefox/Profiles", "AppData/Local/Mozilla/Firefox/Profiles"},
	},
	{
		ID: Chromium, Name: "Chromium", Family: ChromiumFamily, PrivateFlag: "--incognito",
		Executables:  []string{`C:\Program Files\Chromium\Application\chrome.exe`},
		ProfileRoots: []string{"AppData/Local/Chromium/User Data"},
	},
	{
		ID: Chrome, Name: "Google Chrome", Family: ChromiumFamily, PrivateFlag: "--incognito",
		Executables:  []string{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Program Files (x86)\Google\Chrome\Application\chrome.exe`},
		ProfileRoots: []string{"AppData/Local/Google/Chrome/User Data"},
	},
	{
		ID: Edge, Name: "Microsoft Edge", Family: ChromiumFamily, PrivateFlag: "--inprivate",
		Executables:  []string{`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `C:\Program Files\Microsoft\Edge\Application\msedge.exe`},
		ProfileRoots: []string{"AppData/Local/Microsoft/Edge/User Data"},
	},
}
