package browsers

import (
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
)

// PolicyJSON returns the content of b's Linux policy file: Chromium's
// managed file is the object itself, Firefox's wraps it in "policies".
func PolicyJSON(b Browser, s Settings) []byte {
	var v any = ManagedPolicy(b, s)
	if b.Family == MozillaFamily {
		v = map[string]any{"policies": v}
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only maps, slices, strings, numbers and booleans
	}
	return append(out, '\n')
}

// RegistryFile returns the settings for browsers as a .reg file for
// HKEY_LOCAL_MACHINE, as Group Policy or the installer writes them:
// numbers and booleans as DWORD, text as REG_SZ, a list as a subkey with
// values "1", "2"…, an object as a subkey (Firefox's SearchEngines). The
// organisation's other values under the same keys stay.
func RegistryFile(bs []Browser, s Settings) string {
	var w strings.Builder
	w.WriteString("Windows Registry Editor Version 5.00\r\n")
	for _, b := range bs {
		regKey(&w, `HKEY_LOCAL_MACHINE\`+b.Registry, ManagedPolicy(b, s))
	}
	return w.String()
}

// RegistryRemovalFile undoes RegistryFile: it deletes the values Ardoise
// sets and the subkeys it writes whole (lists, Firefox's SearchEngines),
// and nothing else under the browsers' keys.
func RegistryRemovalFile(bs []Browser, s Settings) string {
	var w strings.Builder
	w.WriteString("Windows Registry Editor Version 5.00\r\n")
	for _, b := range bs {
		key := `HKEY_LOCAL_MACHINE\` + b.Registry
		m := ManagedPolicy(b, s)
		fmt.Fprintf(&w, "\r\n[%s]\r\n", key)
		var subs []string
		for _, k := range sortedKeys(m) {
			switch m[k].(type) {
			case map[string]any, []any:
				subs = append(subs, k)
			default:
				fmt.Fprintf(&w, "%s=-\r\n", regQuote(k))
			}
		}
		for _, k := range subs {
			fmt.Fprintf(&w, "\r\n[-%s\\%s]\r\n", key, k)
		}
	}
	return w.String()
}

func regKey(w *strings.Builder, key string, m map[string]any) {
	fmt.Fprintf(w, "\r\n[%s]\r\n", key)
	var subs []string
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case map[string]any, []any:
			subs = append(subs, k)
		default:
			fmt.Fprintf(w, "%s=%s\r\n", regQuote(k), regValue(v))
		}
	}
	for _, k := range subs {
		switch v := m[k].(type) {
		case map[string]any:
			regKey(w, key+`\`+k, v)
		case []any:
			list := map[string]any{}
			for i, e := range v {
				list[strconv.Itoa(i+1)] = e
			}
			regKey(w, key+`\`+k, list)
		}
	}
}

func regValue(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "dword:00000001"
		}
		return "dword:00000000"
	case int:
		return fmt.Sprintf("dword:%08x", uint32(v))
	case string:
		return regQuote(v)
	}
	panic(fmt.Sprintf("registry value of type %T", v))
}

func regQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Plist returns the managed preferences for b as a property list, the
// payload of a macOS configuration profile for domain b.MacDomain.
// Firefox also needs EnterprisePoliciesEnabled to read them.
func Plist(b Browser, s Settings) string {
	m := ManagedPolicy(b, s)
	if b.Family == MozillaFamily {
		m["EnterprisePoliciesEnabled"] = true
	}
	var w strings.Builder
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	w.WriteString(`<plist version="1.0">` + "\n")
	plistValue(&w, m, 0)
	w.WriteString("</plist>\n")
	return w.String()
}

func plistValue(w *strings.Builder, v any, depth int) {
	ind := strings.Repeat("\t", depth)
	switch v := v.(type) {
	case map[string]any:
		w.WriteString(ind + "<dict>\n")
		for _, k := range sortedKeys(v) {
			fmt.Fprintf(w, "%s\t<key>%s</key>\n", ind, html.EscapeString(k))
			plistValue(w, v[k], depth+1)
		}
		w.WriteString(ind + "</dict>\n")
	case []any:
		w.WriteString(ind + "<array>\n")
		for _, e := range v {
			plistValue(w, e, depth+1)
		}
		w.WriteString(ind + "</array>\n")
	case bool:
		fmt.Fprintf(w, "%s<%t/>\n", ind, v)
	case int:
		fmt.Fprintf(w, "%s<integer>%d</integer>\n", ind, v)
	case string:
		fmt.Fprintf(w, "%s<string>%s</string>\n", ind, html.EscapeString(v))
	default:
		panic(fmt.Sprintf("plist value of type %T", v))
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// WixInclude returns the browsers' managed settings as a WiX v3 include
// file: one registry component, BrowserSettings, that the Windows
// installer writes and takes away again on uninstall. The values are those
// of RegistryFile.
func WixInclude(bs []Browser, s Settings) string {
	var w strings.Builder
	w.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- Made by \"ardoise browsers show wix\": do not edit. -->\n<Include>\n")
	w.WriteString("  <DirectoryRef Id=\"TARGETDIR\">\n")
	w.WriteString("    <Component Id=\"BrowserSettings\" Guid=\"5C7F9A4B-BE6D-4BAC-AF5A-4D8E9FA1B2C3\" Win64=\"yes\">\n")
	w.WriteString("      <RegistryValue Root=\"HKLM\" Key=\"SOFTWARE\\Ardoise\" Name=\"BrowserSettings\" Type=\"integer\" Value=\"1\" KeyPath=\"yes\"/>\n")
	for _, b := range bs {
		wixKey(&w, b.Registry, ManagedPolicy(b, s), "      ")
	}
	w.WriteString("    </Component>\n  </DirectoryRef>\n</Include>\n")
	return w.String()
}

func wixKey(w *strings.Builder, key string, m map[string]any, ind string) {
	// wixl takes no nested RegistryKey: each key is written whole, and
	// only when it holds values (its subkeys create it).
	var subs []string
	var values strings.Builder
	for _, k := range sortedKeys(m) {
		var typ, val string
		switch v := m[k].(type) {
		case map[string]any, []any:
			subs = append(subs, k)
			continue
		case bool:
			typ, val = "integer", map[bool]string{false: "0", true: "1"}[v]
		case int:
			typ, val = "integer", strconv.Itoa(v)
		case string:
			typ, val = "string", v
		default:
			panic(fmt.Sprintf("registry value of type %T", v))
		}
		// [ and { start MSI formatted text: escape them.
		val = strings.NewReplacer("[", "[\\[]", "{", "[\\{]").Replace(val)
		fmt.Fprintf(&values, "%s  <RegistryValue Name=\"%s\" Type=\"%s\" Value=\"%s\"/>\n", ind, html.EscapeString(k), typ, html.EscapeString(val))
	}
	if values.Len() > 0 {
		fmt.Fprintf(w, "%s<RegistryKey Root=\"HKLM\" Key=\"%s\">\n%s%s</RegistryKey>\n", ind, html.EscapeString(key), values.String(), ind)
	}
	for _, k := range subs {
		switch v := m[k].(type) {
		case map[string]any:
			wixKey(w, key+`\`+k, v, ind)
		case []any:
			list := map[string]any{}
			for i, e := range v {
				list[strconv.Itoa(i+1)] = e
			}
			wixKey(w, key+`\`+k, list, ind)
		}
	}
}
