package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
)

// The chart is drawn with image/png alone: panels of bars, one per measured
// quantity, each bar the median of the rounds with a dot per round, and
// the target as a red line where it is absolute. Text uses the 5×7 bitmap
// font below (upper case, digits and a little punctuation).

var (
	white     = color.RGBA{255, 255, 255, 255}
	black     = color.RGBA{30, 30, 30, 255}
	grey      = color.RGBA{150, 150, 150, 255}
	lightGrey = color.RGBA{225, 225, 225, 255}
	red       = color.RGBA{210, 40, 40, 255}
	blue      = color.RGBA{45, 105, 190, 255}
	green     = color.RGBA{60, 150, 80, 255}
	orange    = color.RGBA{230, 140, 30, 255}
	purple    = color.RGBA{130, 80, 170, 255}
)

type bar struct {
	label  string
	value  float64
	rounds []float64
	color  color.RGBA
}

type panel struct {
	title  string
	unit   string
	bars   []bar
	target float64 // 0: none
	note   string
}

func drawChart(path string, data map[string]series, env map[string]string, targets []target) error {
	var panels []panel
	get := panel{title: "GETOAUTHAPPLICATIONDATA", unit: "REQ/S"}
	for _, b := range []struct {
		name, label string
		c           color.RGBA
	}{{getIsadmin, "ISADMIN", blue}, {getBare, "BARE GO", grey}, {getNodeSOAP, "NPM SOAP", green}} {
		if s := data[b.name]; len(s) > 0 {
			get.bars = append(get.bars, bar{b.label, s.median(rps), s.values(rps), b.c})
		}
	}
	if len(data[getIsadmin]) > 0 && len(data[getBare]) > 0 && len(data[getNodeSOAP]) > 0 {
		i := data[getIsadmin].median(rps)
		get.note = fmt.Sprintf("VS BARE %.2f (>=0.60)  VS SOAP %.2f (>=1.5)", i/data[getBare].median(rps), i/data[getNodeSOAP].median(rps))
	}
	panels = append(panels, get)

	reg := panel{title: "REGISTRATIONS VS SQLITE", unit: "COMMITS/S"}
	for _, b := range []struct {
		name, label string
		c           color.RGBA
	}{{regIsadmin, "REGISTER", blue}, {commitSQLite, "SQLITE", orange}, {commitOne, "SQLITE 1W", orange}} {
		if s := data[b.name]; len(s) > 0 {
			reg.bars = append(reg.bars, bar{b.label, s.median(rps), s.values(rps), b.c})
		}
	}
	if len(data[regIsadmin]) > 0 && len(data[commitSQLite]) > 0 {
		limit := data[commitSQLite].median(rps)
		if s := data[commitOne]; len(s) > 0 {
			limit = math.Max(limit, s.median(rps))
		}
		reg.note = fmt.Sprintf("REGISTER / SQLITE %.2f (>=0.80)", data[regIsadmin].median(rps)/limit)
	}
	panels = append(panels, reg)

	if s := data[mapKeys]; len(s) > 0 {
		panels = append(panels, panel{title: "STORE MAP-KEYS", unit: "REQ/S",
			bars: []bar{{"MAP-KEYS", s.median(rps), s.values(rps), purple}},
			note: fmt.Sprintf("P99 %.1f MS", s.median(p99))})
	}
	if s := data[coldStart]; len(s) > 0 {
		var all []float64
		for _, r := range s {
			all = append(all, r.RunsMS...)
		}
		maxv := 0.0
		for _, v := range all {
			maxv = math.Max(maxv, v)
		}
		panels = append(panels, panel{title: "COLD START", unit: "MS", target: 150,
			bars: []bar{{"MEDIAN", median(all), all, blue}, {"MAX", maxv, nil, grey}}})
	}
	if s := data[memory]; len(s) > 0 {
		start := func(r *result) float64 { return mib(float64(r.RSSStartBytes)) }
		peak := func(r *result) float64 { return mib(float64(r.RSSPeakBytes)) }
		panels = append(panels, panel{title: "RESIDENT MEMORY", unit: "MIB", target: 64,
			bars: []bar{{"IDLE", s.median(start), s.values(start), grey}, {"PEAK", s.median(peak), s.values(peak), blue}},
			note: "100000 CLIENTS, LIST OF 10000"})
	}

	const cols, pw, ph, header = 3, 420, 330, 60
	rows := (len(panels) + 1 + cols - 1) / cols
	img := image.NewRGBA(image.Rect(0, 0, cols*pw, header+rows*ph))
	fill(img, img.Bounds(), white)
	text(img, 16, 14, 3, black, "ISADMIN BENCHMARK")
	text(img, 16, 42, 1, grey, strings.ToUpper(fmt.Sprintf("%s  %s  %s", env["date"], env["host"], env["cpu"])))
	for i, p := range panels {
		x0, y0 := (i%cols)*pw, header+(i/cols)*ph
		drawPanel(img, image.Rect(x0+10, y0+10, x0+pw-10, y0+ph-10), p)
	}
	i := len(panels)
	x0, y0 := (i%cols)*pw, header+(i/cols)*ph
	r := image.Rect(x0+10, y0+10, x0+pw-10, y0+ph-10)
	outline(img, r, lightGrey)
	text(img, r.Min.X+10, r.Min.Y+10, 2, black, "TARGETS")
	text(img, r.Min.X+10, r.Min.Y+30, 1, grey, "MEDIANS OF ROUNDS; DOTS ARE ROUNDS")
	y := r.Min.Y + 60
	for _, t := range targets {
		c := red
		switch {
		case t.result == "PASS":
			c = green
		case t.result == "reported":
			c = black
		}
		verdict := strings.ToUpper(strings.SplitN(t.result, " ", 2)[0])
		if verdict == "REPORTED" {
			verdict = "INFO"
		}
		text(img, r.Min.X+10, y, 1, c, verdict)
		text(img, r.Min.X+70, y, 1, black, t.short)
		y += 22
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func drawPanel(img *image.RGBA, r image.Rectangle, p panel) {
	outline(img, r, lightGrey)
	text(img, r.Min.X+10, r.Min.Y+10, 2, black, p.title)
	text(img, r.Min.X+10, r.Min.Y+30, 1, grey, p.unit)
	if p.note != "" {
		text(img, r.Min.X+10, r.Max.Y-16, 1, black, p.note)
	}
	plot := image.Rect(r.Min.X+20, r.Min.Y+60, r.Max.X-20, r.Max.Y-50)
	top := p.target
	for _, b := range p.bars {
		top = math.Max(top, b.value)
		for _, v := range b.rounds {
			top = math.Max(top, v)
		}
	}
	if top <= 0 || math.IsNaN(top) {
		top = 1
	}
	top *= 1.15
	y := func(v float64) int { return plot.Max.Y - int(math.Round(v/top*float64(plot.Dy()))) }
	line(img, plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y, black)
	n := len(p.bars)
	if n == 0 {
		return
	}
	slot := plot.Dx() / n
	bw := min(slot*3/5, 90)
	for i, b := range p.bars {
		cx := plot.Min.X + slot*i + slot/2
		if !math.IsNaN(b.value) {
			fill(img, image.Rect(cx-bw/2, y(b.value), cx+bw/2, plot.Max.Y), b.color)
			high := b.value
			for _, v := range b.rounds {
				high = math.Max(high, v)
			}
			label := number(b.value)
			text(img, cx-textWidth(label, 2)/2, y(high)-22, 2, black, label)
		}
		for _, v := range b.rounds {
			fill(img, image.Rect(cx-3, y(v)-3, cx+3, y(v)+3), black)
		}
		text(img, cx-textWidth(b.label, 1)/2, plot.Max.Y+8, 1, black, b.label)
	}
	if p.target > 0 {
		ty := y(p.target)
		for x := plot.Min.X; x < plot.Max.X; x += 8 {
			line(img, x, ty, min(x+5, plot.Max.X), ty, red)
		}
		label := "TARGET " + number(p.target)
		text(img, plot.Max.X-textWidth(label, 1), ty-10, 1, red, label)
	}
}

func number(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func outline(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	line(img, r.Min.X, r.Min.Y, r.Max.X, r.Min.Y, c)
	line(img, r.Min.X, r.Max.Y, r.Max.X, r.Max.Y, c)
	line(img, r.Min.X, r.Min.Y, r.Min.X, r.Max.Y, c)
	line(img, r.Max.X, r.Min.Y, r.Max.X, r.Max.Y, c)
}

// line draws a horizontal or vertical line.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	fill(img, image.Rect(min(x0, x1), min(y0, y1), max(x0, x1)+1, max(y0, y1)+1), c)
}

func textWidth(s string, scale int) int { return len(s) * 6 * scale }

// text draws s with its top left corner at (x, y), each font pixel a
// scale×scale square.
func text(img *image.RGBA, x, y, scale int, c color.RGBA, s string) {
	for _, ch := range strings.ToUpper(s) {
		g, ok := glyphs[ch]
		if !ok {
			g = glyphs['?']
		}
		for row, bits := range g {
			for col, b := range bits {
				if b == '#' {
					fill(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
				}
			}
		}
		x += 6 * scale
	}
}

var glyphs = map[rune][7]string{
	' ': {".....", ".....", ".....", ".....", ".....", ".....", "....."},
	'A': {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'B': {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."},
	'C': {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."},
	'D': {"####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."},
	'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
	'F': {"#####", "#....", "#....", "####.", "#....", "#....", "#...."},
	'G': {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"},
	'H': {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'I': {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'J': {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."},
	'K': {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"},
	'L': {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},
	'M': {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"},
	'N': {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"},
	'O': {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'P': {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
	'Q': {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"},
	'R': {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"},
	'S': {".####", "#....", "#....", ".###.", "....#", "....#", "####."},
	'T': {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},
	'U': {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'V': {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."},
	'W': {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."},
	'X': {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"},
	'Y': {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."},
	'Z': {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"},
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"####.", "....#", "....#", ".###.", "....#", "....#", "####."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
	',': {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."},
	'/': {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."},
	'-': {".....", ".....", ".....", "#####", ".....", ".....", "....."},
	'_': {".....", ".....", ".....", ".....", ".....", ".....", "#####"},
	':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
	';': {".....", ".##..", ".##..", ".....", ".##..", "..#..", ".#..."},
	'%': {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"},
	'(': {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."},
	')': {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."},
	'=': {".....", ".....", "#####", ".....", "#####", ".....", "....."},
	'<': {"...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."},
	'>': {".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."},
	'+': {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."},
	'@': {".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###."},
	'?': {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."},
}
