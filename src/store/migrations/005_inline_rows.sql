-- Rows the edXML path writes once per document and never updates are a few kilobytes: the kept XML
-- signature (~3–4 KiB with its certificate chain) and a message's document and edXML header. Past the
-- default 2 KiB target PostgreSQL tries to compress them (pglz) and moves them to TOAST, a second
-- heap and index insert per row; kept inline up to a page they cost neither (as receipts, 001).
ALTER TABLE forwarded_packets SET (toast_tuple_target = 8160);
ALTER TABLE messages SET (toast_tuple_target = 8160);
