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
