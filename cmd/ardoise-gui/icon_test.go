package main

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/ardoise-fr/ardoise/assets"
)

// TestIconPNG: the window's icon is the SVG drawn at 64×64: the slate's
// pixels are opaque in the middle and the corners outside it are clear.
func TestIconPNG(t *testing.T) {
	b, err := iconPNG(assets.Icon, iconSize)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 64, 64) {
		t.Fatalf("icon of %v", img.Bounds())
	}
	opaque := 0
	for y := range 64 {
		for x := range 64 {
			if _, _, _, a := img.At(x, y).RGBA(); a > 0xf000 {
				opaque++
			}
		}
	}
	if opaque < 64*64/3 {
		t.Errorf("only %d opaque pixels of %d: the SVG was not drawn", opaque, 64*64)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("the corner is not clear (alpha %d)", a)
	}
}
