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
