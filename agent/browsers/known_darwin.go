package browsers

// known is the macOS table. The policies go to managed preferences
// (managedHomes), delivered by a configuration profile. Not run here: checked
// by tests on content only.
var known = []Browser{
	{
		ID: Firefox, Name: "Firefox", Family: MozillaFamily, PrivateFlag: "--private-window",
		Executables:  []string{"/Applications/Firefox.app/Contents/MacOS/firefox"},
		ProfileRoots: []string{"Library/Application Support/Firefox/Profiles", "Library/Caches/Firefox/Profiles"},
	},
	{
		ID: Chromium, Name: "Chromium", Family: ChromiumFamily, PrivateFlag: "--incognito",
		Executables:  []string{"/Applications/Chromium.app/Contents/MacOS/Chromium"},
		ProfileRoots: []string{"Library/Application Support/Chromium", "Library/Caches/Chromium"},
	},
	{
		ID: Chrome, Name: "Google Chrome", Family: ChromiumFamily, PrivateFlag: "--incognito",
		Executables:  []string{"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"},
		ProfileRoots: []string{"Library/Application Support/Google/Chrome", "Library/Caches/Google/Chrome"},
	},
	{
		ID: Edge, Name: "Microsoft Edge", Family: ChromiumFamily, PrivateFlag: "--inprivate",
		Executables:  []string{"/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"},
		ProfileRoots: []string{"Library/Application Support/Microsoft Edge", "Library/Caches/Microsoft Edge"},
	},
}
