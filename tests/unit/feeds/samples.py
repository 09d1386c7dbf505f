"""Small feeds in every format the poller must read, each with the titles users expect."""

from __future__ import annotations

RSS_091 = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old wire</title><link>http://example.com/</link><language>en-us</language>
<item><title>Lithium mine opens in Jadar</title><link>http://example.com/news/1?utm_source=rss</link>
<description>Rio &amp;amp; partners</description></item>
</channel></rss>"""

RSS_092 = b"""<?xml version="1.0"?>
<rss version="0.92"><channel><title>Wire 0.92</title><link>http://example.com/</link>
<item><title>Tungsten output rises</title><link>http://example.com/news/092</link><description>&lt;p&gt;Output &lt;b&gt;up&lt;/b&gt; 5%&lt;/p&gt;</description></item>
</channel></rss>"""

RSS_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.com/"><title>RDF wire</title><link>http://example.com/</link><description>d</description>
<items><rdf:Seq><rdf:li resource="http://example.com/rdf/1"/></rdf:Seq></items></channel>
<item rdf:about="http://example.com/rdf/1"><title>Rare earths quota cut</title><link>http://example.com/rdf/1</link>
<dc:date>2024-04-30T08:00:00+03:00</dc:date><dc:language>en</dc:language></item>
</rdf:RDF>"""

RSS_20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire 2.0</title><link>http://example.com/</link><language>en</language>
<item><title>Gallium export licences</title><link>HTTP://Example.COM/news/20#top</link><guid>g-20-1</guid>
<pubDate>Tue, 30 Apr 2024 10:00:00 +0500</pubDate><description>&lt;p&gt;Beijing &amp;amp; Astana&lt;/p&gt;&lt;script&gt;evil()&lt;/script&gt;</description></item>
<item><title>Uranium price</title><link>http://example.com/news/20b</link><pubDate>Tue, 30 Apr 2024 11:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM_03 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Atom 0.3 wire</title>
<link rel="alternate" type="text/html" href="http://example.com/"/><modified>2024-04-30T12:00:00Z</modified>
<entry><title>Copper smelter strike</title><link rel="alternate" type="text/html" href="http://example.com/atom03/1"/>
<id>tag:example.com,2024:1</id><issued>2024-04-30T12:00:00Z</issued><modified>2024-04-30T12:00:00Z</modified></entry>
</feed>"""

ATOM_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>Atom 1.0 wire</title><id>urn:x</id><updated>2024-04-30T12:00:00Z</updated>
<entry><title type="html">Antimony &amp;lt;ban&amp;gt; widened</title><link href="http://example.com/atom10/1"/>
<id>urn:uuid:1</id><updated>2024-04-30T13:00:00+02:00</updated><summary type="html">&lt;p&gt;Caf&amp;eacute; talk&lt;/p&gt;</summary></entry>
</feed>"""

MALFORMED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Broken wire</title>
<item><title>Nickel & cobalt deal</title><link>http://example.com/broken/1</link></item>
<item><title>Second story</title><link>http://example.com/broken/2</link>
</channel>"""

EMPTY_CHANNEL = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet wire</title><link>http://example.com/</link></channel></rss>"""

NO_LINKS_NO_DATES = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Bare wire</title>
<item><title>Molybdenum tender announced</title><description>No link, no date.</description></item>
<item><guid isPermaLink="false">bare-guid-2</guid><description>Only a guid and text about zinc.</description></item>
<item><description></description></item>
</channel></rss>"""

HTML_PAGE = b"<!doctype html><html><head><title>Not a feed</title></head><body><p>hello</p></body></html>"

# path → (bytes, titles expected in order)
FORMATS = {
    "/rss091": (RSS_091, ["Lithium mine opens in Jadar"]),
    "/rss092": (RSS_092, ["Tungsten output rises"]),
    "/rss10": (RSS_10, ["Rare earths quota cut"]),
    "/rss20": (RSS_20, ["Gallium export licences", "Uranium price"]),
    "/atom03": (ATOM_03, ["Copper smelter strike"]),
    "/atom10": (ATOM_10, ["Antimony <ban> widened"]),
}


def rss_with(items: list[tuple[str, str]], title: str = "Generated") -> bytes:
    """An RSS 2.0 document with (title, link) items."""
    body = "".join(f"<item><title>{t}</title><link>{link}</link></item>" for t, link in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'.encode()
