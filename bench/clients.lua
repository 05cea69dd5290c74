-- wrk script: each request from one of 64 client addresses, given in X-Forwarded-For
-- (a server behind one proxy reads it: DSKG_PROXIES=1), so admission control sees 64
-- clients sharing the work, as on a public endpoint, instead of one sending it all.
-- Reports as percentiles.lua does (wrk runs in bench/, where both scripts are).
dofile("percentiles.lua")

local sent = 0

request = function()
  sent = sent + 1
  wrk.headers["X-Forwarded-For"] = "10.0.0." .. (sent % 64 + 1)
  return wrk.format()
end
