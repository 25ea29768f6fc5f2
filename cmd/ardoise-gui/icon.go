package main

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"
)

// iconSize is the side of the window's icon, in pixels: the desktop's
// title bars and task bars show it at 16 to 48 px.
const iconSize = 64

// iconPNG draws the SVG icon at size×size and returns it as PNG. Given
// the SVG, Fyne draws it at 256×256 and keeps that picture and its
// buffers, 1.2 MiB of the window's memory for an icon the desktop shows
// at 48 px at most (the heap profile of BenchmarkWindowStart's window);
// a PNG is decoded once and handed over.
func iconPNG(svg []byte, size int) ([]byte, error) {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(svg))
	if err != nil {
		return nil, fmt.Errorf("the window's icon: %w", err)
	}
	icon.SetTarget(0, 0, float64(size), float64(size))
	rgba := image.NewRGBA(image.Rect(0, 0, size, size))
	icon.Draw(rasterx.NewDasher(size, size, rasterx.NewScannerGV(size, size, rgba, rgba.Bounds())), 1)
	out := image.NewNRGBA(rgba.Bounds())
	draw.Draw(out, out.Bounds(), rgba, image.Point{}, draw.Src)
	var b bytes.Buffer
	if err := png.Encode(&b, out); err != nil {
		return nil, fmt.Errorf("the window's icon: %w", err)
	}
	return b.Bytes(), nil
}
