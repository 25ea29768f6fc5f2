package assets

import (
	"encoding/xml"
	"testing"
)

// TestIconIsSVG: the icon is well-formed SVG with a square view box, as
// icon themes and Fyne expect.
func TestIconIsSVG(t *testing.T) {
	var svg struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal(Icon, &svg); err != nil {
		t.Fatalf("the icon is not well-formed: %v", err)
	}
	if svg.XMLName.Local != "svg" || svg.ViewBox != "0 0 64 64" {
		t.Errorf("root %s, viewBox %q", svg.XMLName.Local, svg.ViewBox)
	}
}

// TestPicturesAreSVG: each picture of the easy-to-read texts is
// well-formed SVG with the icon's square view box, and has a title (what
// it shows, for whoever edits it).
func TestPicturesAreSVG(t *testing.T) {
	for name, b := range map[string][]byte{"shield": Shield, "bin": Bin, "key": Key, "usbkey": USBKey, "lock": Lock, "ready": Ready, "clock": Clock, "desk": Desk, "warning": Warning} {
		var svg struct {
			XMLName xml.Name
			ViewBox string `xml:"viewBox,attr"`
			Title   string `xml:"title"`
		}
		if err := xml.Unmarshal(b, &svg); err != nil {
			t.Errorf("%s is not well-formed: %v", name, err)
			continue
		}
		if svg.XMLName.Local != "svg" || svg.ViewBox != "0 0 64 64" || svg.Title == "" {
			t.Errorf("%s: root %s, viewBox %q, title %q", name, svg.XMLName.Local, svg.ViewBox, svg.Title)
		}
	}
}
