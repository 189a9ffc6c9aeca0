-- Argo CD health check for apigw.dev/ApiStage: the same logic as for ApiIntegration.
-- The operator reports kstatus-style conditions (Ready, Reconciling, Stalled), each with the
-- metadata.generation it was computed for, plus status.observedGeneration. Status for an older
-- generation says nothing about the current spec, so it only counts once the operator caught up.
-- Uses only the Lua base library, which Argo CD always opens.
local hs = { status = "Progressing", message = "Waiting for the operator to report status" }

if obj.status == nil then
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed ~= generation then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local ready, reconciling, stalled
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    local current = generation == nil or c.observedGeneration == nil or c.observedGeneration == generation
    if current then
      if c.type == "Ready" then
        ready = c
      elseif c.type == "Reconciling" then
        reconciling = c
      elseif c.type == "Stalled" then
        stalled = c
      end
    end
  end
end

if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message
  if hs.message == nil or hs.message == "" then
    hs.message = stalled.reason
  end
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end

if reconciling ~= nil and reconciling.status == "True" and reconciling.message ~= nil and reconciling.message ~= "" then
  hs.message = reconciling.message
elseif ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message
else
  hs.message = "Waiting for the stage to become ready"
end
return hs
